import { readFileSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import { withDaemon } from "../daemon-connection.ts";
import { secondsToMs } from "../flag-parsers.ts";
import { writeFully } from "../stream-write.ts";

export function define(program: Command): void {
  program
    .command("exec")
    .description("Run a command inside the instance and exit with its status: mvmctl exec NAME -- CMD ARGS...")
    .argument("<name>", "the instance")
    .argument("<command...>", "the command and its arguments (after --)")
    .option("-i, --interactive", "send this command's stdin (read to its end) to the command")
    .option("--timeout <seconds>", "kill the command after this long; default 60", secondsToMs)
    .action(async (name, argv, flags) => {
      process.exitCode = await exec(name, argv, flags.interactive === true, flags.timeout);
    });
}

async function exec(name: string, argv: string[], interactive: boolean, timeoutMs: number | undefined): Promise<number> {
  const stdin = interactive ? readFileSync(0) : undefined;
  const r = await withDaemon((c) => c.request("exec", {
    name, argv, ...(timeoutMs ? { timeout_ms: timeoutMs } : {}), ...(stdin ? { stdin_b64: stdin.toString("base64") } : {}),
  }));
  await writeFully(process.stdout, Buffer.from(r.stdout_b64, "base64"));
  await writeFully(process.stderr, Buffer.from(r.stderr_b64, "base64"));
  // As a shell reports it: the status, or 128 + the signal that ended the command.
  return r.exit_code ?? 128 + (r.signal ?? 0);
}
