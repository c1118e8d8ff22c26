import { readFileSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import { withDaemon } from "../daemon-connection.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { collectInput, collectInputJson, secondsToMs, type InputFlag } from "../flag-parsers.ts";
import { resultText, sortedJson } from "../result-output.ts";
import { writeFully } from "../stream-write.ts";

interface InvokeFlags {
  input: InputFlag[];
  inputJson: InputFlag[];
  inputFile?: string;
  fn?: string;
  timeout?: number;
  json?: boolean;
}

export function define(program: Command): void {
  program
    .command("invoke")
    .description("Call the instance's function with named inputs and print its result")
    .argument("<name>", "the instance (mvmctl ps lists them)")
    .option("--input <name=value>", "an input, coerced to the parameter's declared type (repeatable)", collectInput, [])
    .option("--input-json <name=json>", "an input given as exact JSON (repeatable)", collectInputJson, [])
    .option("--input-file <file>", "inputs as one JSON object; - reads stdin")
    .option("--fn <function>", "call another function of the entrypoint's module")
    .option("--timeout <seconds>", "the call's deadline (exit 124 past it); default 60", secondsToMs)
    .option("--json", "print {value, stdout, stderr, duration_ms} instead of the value")
    .addHelpText("after", "\nA string result prints as is, with one newline; any other result as JSON with sorted keys.\nThe function's own stdout and stderr go to stderr (with --json: into the object).")
    .action(async (name, flags) => {
      process.exitCode = await invoke(name, flags);
    });
}

async function invoke(name: string, flags: InvokeFlags): Promise<ExitCode> {
  const inputs = [...(flags.inputFile ? await readInputFile(flags.inputFile) : []), ...flags.inputJson, ...flags.input];
  const { DaemonCallError } = await import("@mvm/runtime/client");
  try {
    const result = await withDaemon((client) => client.request("invoke", {
      name, inputs, ...(flags.fn ? { function: flags.fn } : {}), ...(flags.timeout ? { timeout_ms: flags.timeout } : {}),
    }));
    if (flags.json) {
      await writeFully(process.stdout, `${sortedJson({ value: result.value, stdout: result.stdout, stderr: result.stderr, duration_ms: result.duration_ms })}\n`);
      return EXIT.OK;
    }
    await writeFully(process.stderr, result.stdout);
    await writeFully(process.stderr, result.stderr);
    await writeFully(process.stdout, resultText(result.value));
    return result.exit_code !== undefined && result.exit_code !== 0 ? EXIT.FAILED : EXIT.OK;
  } catch (err) {
    if (err instanceof DaemonCallError && (err.error.stdout || err.error.stderr)) {
      // What the function printed before it raised comes before the error itself.
      await writeFully(process.stderr, err.error.stdout ?? "");
      await writeFully(process.stderr, err.error.stderr ?? "");
    }
    if (err instanceof DaemonCallError && err.error.exception) {
      const { traceback, type, message } = err.error.exception;
      if (traceback) await writeFully(process.stderr, traceback.endsWith("\n") ? traceback : `${traceback}\n`);
      err.message = `${type}: ${message}`;
    }
    throw err;
  }
}

async function readInputFile(file: string): Promise<InputFlag[]> {
  const { MvmError } = await import("@mvm/ir/errors");
  let text: string;
  try {
    text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (err) {
    throw new MvmError("RUN_INPUT_INVALID", `--input-file ${file}: ${(err as Error).message}`, "give a readable JSON file, or - for stdin");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MvmError("RUN_INPUT_INVALID", `--input-file ${file} is not JSON: ${(err as Error).message}`, 'write one object, e.g. {"name": "ari"}');
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MvmError("RUN_INPUT_INVALID", `--input-file ${file} must hold one JSON object of inputs, not ${Array.isArray(json) ? "an array" : typeof json}`, 'write {"name": "ari"}');
  }
  return Object.entries(json).map(([name, value]) => ({ name, json: value as unknown }));
}
