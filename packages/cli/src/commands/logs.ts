import type { Command } from "@commander-js/extra-typings";
import { withDaemon } from "../daemon-connection.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { nonNegativeInt } from "../flag-parsers.ts";
import { writeFully } from "../stream-write.ts";

export function define(program: Command): void {
  program
    .command("logs")
    .description("Print an instance's log: guest console, agent and runner lines, function output, lifecycle; timestamped")
    .argument("<name>", "the instance")
    .option("-f, --follow", "keep printing new lines until the instance is removed (Ctrl-C stops)")
    .option("--tail <lines>", "only the last N lines", nonNegativeInt)
    .action(async (name, flags) => {
      process.exitCode = await logs(name, flags.follow === true, flags.tail);
    });
}

async function logs(name: string, follow: boolean, tail: number | undefined): Promise<ExitCode> {
  const result = await withDaemon((c) => c.request("logs", { name, follow, ...(tail === undefined ? {} : { tail }) },
    (event) => void (event.kind === "log" && process.stdout.write(`${event.line}\n`))));
  await writeFully(process.stdout, result.lines.map((l) => `${l}\n`).join(""));
  return EXIT.OK;
}
