import { spawn } from "node:child_process";
import { MvmError } from "@mvm/ir";

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each output line (stdout and stderr), e.g. to report build progress. */
  onLine?: (line: string) => void;
  /** Bytes written to the command's stdin, if any. */
  input?: Buffer | string;
  /** Aborting (Ctrl-C in mvmctl) sends the command SIGTERM and rejects with BUILD_INTERRUPTED. */
  signal?: AbortSignal;
}

/** How many trailing output lines a failure message quotes. */
const TAIL_LINES = 30;

/**
 * Runs a host command to completion and resolves with its stdout. On a non-zero exit it rejects with
 * BUILD_COMMAND_FAILED quoting the last lines of output, so the reader sees why without a log file.
 */
export function runCommand(cmd: string, args: readonly string[], opts: RunCommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new MvmError("BUILD_INTERRUPTED", `interrupted before ${cmd} started`));
      return;
    }
    const child = spawn(cmd, args, {
      cwd: opts.cwd, env: opts.env ?? process.env, signal: opts.signal, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const tail: string[] = [];
    const partial = { out: "", err: "" };
    const onData = (which: "out" | "err") => (chunk: Buffer) => {
      if (which === "out") stdout.push(chunk);
      const lines = (partial[which] + chunk.toString("utf8")).split("\n");
      partial[which] = lines.pop() ?? "";
      for (const line of lines) {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        opts.onLine?.(line);
      }
    };
    child.stdout?.on("data", onData("out"));
    child.stderr?.on("data", onData("err"));
    child.on("error", (err) => {
      if (err.name === "AbortError") return; // the close event below reports it
      reject(new MvmError("BUILD_COMMAND_FAILED", `could not start ${cmd}: ${err.message}`, `install ${cmd} or put it on PATH`, { cause: err }));
    });
    child.on("close", (code, signal) => {
      if (opts.signal?.aborted) return reject(new MvmError("BUILD_INTERRUPTED", `interrupted while ${cmd} was running`));
      if (code === 0) return resolve(Buffer.concat(stdout).toString("utf8"));
      for (const rest of [partial.out, partial.err]) if (rest) tail.push(rest);
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(
        new MvmError("BUILD_COMMAND_FAILED", `${cmd} ${args.join(" ")} ${how}:\n${tail.join("\n")}`, `fix the cause above and run again`),
      );
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // a command may exit without reading its input; its exit code tells
      child.stdin.end(opts.input);
    }
  });
}
