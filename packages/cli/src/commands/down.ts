import { type Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { withDaemon } from "../daemon-connection.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { secondsToMs } from "../flag-parsers.ts";

export function define(program: Command): void {
  program
    .command("down")
    .description("Stop instances: before_stop runs (bounded), then the VM shuts down; forced after --timeout")
    .argument("[names...]", "the instances to stop")
    .option("--all", "stop every instance")
    .option("--timeout <seconds>", "how long the guest gets (before_stop and shutdown) before QEMU is quit, then killed; default 30", secondsToMs)
    .action(async (names, flags) => {
      if (names.length === 0 && !flags.all) throw new InvalidArgumentError("name an instance, or pass --all");
      if (names.length > 0 && flags.all) throw new InvalidArgumentError("give names or --all, not both");
      process.exitCode = await down(names, flags.all === true, flags.timeout);
    });
}

async function down(names: string[], all: boolean, timeoutMs: number | undefined): Promise<ExitCode> {
  const result = await withDaemon((c) => c.request("down", { names, all, ...(timeoutMs ? { timeout_ms: timeoutMs } : {}) }));
  if (result.stopped.length === 0) process.stdout.write("no instances\n");
  for (const s of result.stopped) {
    const how = {
      guest: s.before_stop?.ran ? `before_stop exited ${s.before_stop.exit_code ?? "by a signal"}${s.before_stop.timed_out ? " (timed out)" : ""}` : "no before_stop",
      quit: "the guest did not stop in time; QEMU was told to quit",
      killed: "the guest did not stop in time; QEMU was killed",
      vanished: "the VM ended",
      "already-dead": "it was not running; record removed",
    }[s.how];
    process.stdout.write(`stopped ${s.name} (${how})\n`);
  }
  return EXIT.OK;
}
