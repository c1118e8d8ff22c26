import type { Command } from "@commander-js/extra-typings";
import type { InstanceView, UpResult } from "@mvm/runtime/client";
import { daemonClient } from "../daemon-connection.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { secondsToMs } from "../flag-parsers.ts";
import { notice } from "../report.ts";

/** A cold boot under TCG on a loaded machine can take minutes (RUNTIME-NOTES.md §10: be generous). */
const DEFAULT_READY_TIMEOUT_MS = 300_000;

interface UpFlags {
  name?: string;
  ifNotRunning?: boolean;
  attach?: boolean;
  readyTimeout?: number;
  cold?: boolean;
}

export function define(program: Command): void {
  program
    .command("up")
    .description("Boot a built app as an instance and return when it is READY (hooks ran, the function is imported)")
    .argument("<app>", "the app's name (mvmctl build registered it)")
    .option("--name <name>", "the instance's name (default: the app's); one instance per name")
    .option("--if-not-running", "an instance of that name already running from this app is success, not an error")
    .option("--attach", "stay in the foreground streaming the instance's log; Ctrl-C brings it down")
    .option("--ready-timeout <seconds>", "give up (exit 124) when it is not READY by then; default 300", secondsToMs)
    .option("--cold", "boot the image cold: never clone its snapshot template (docs/snapshots.md)")
    .action(async (app, flags) => {
      process.exitCode = await up(app, flags);
    });
}

async function up(app: string, flags: UpFlags): Promise<ExitCode> {
  const name = flags.name ?? app;
  const client = await daemonClient();
  const attach = flags.attach === true;
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) return;
    interrupted = true;
    notice(`bringing ${name} down`);
    void daemonClient().then((c) => c.request("down", { names: [name], all: false }).finally(() => c.close())).catch((err: Error) => notice(err.message));
  };
  if (attach) process.on("SIGINT", onInterrupt);
  try {
    const result = await client.request("up", {
      app, name, if_not_running: flags.ifNotRunning === true, attach,
      ready_timeout_ms: flags.readyTimeout ?? DEFAULT_READY_TIMEOUT_MS,
      ...(flags.cold ? { cold: true } : {}),
    }, (event) => {
      switch (event.kind) {
        case "warning":
          return notice(`warning: ${event.message}`);
        case "notice":
          return notice(event.message);
        case "log":
          return void process.stdout.write(`${event.line}\n`);
        case "ready":
          return printReady({ instance: event.instance, already_running: false, timings: event.timings }, true);
      }
    });
    if (!attach) return printReady(result, false);
    if (result.instance.state.kind === "dead" && !interrupted) {
      notice(`${name}: ${result.instance.state.reason}`);
      return EXIT.CRASHED;
    }
    return EXIT.OK;
  } finally {
    process.off("SIGINT", onInterrupt);
    client.close();
  }
}

async function printReady(result: UpResult, toStderr: boolean): Promise<ExitCode> {
  const { formatTimings, portText } = await import("@mvm/runtime/client");
  const i: InstanceView = result.instance;
  const lines = result.already_running
    ? [`${i.name} is already running (app ${i.app}, pid ${i.pid ?? "-"})`]
    : [`${i.name} ready in ${result.timings ? formatTimings(result.timings) : "?"}`];
  if (i.ports.length > 0) lines.push(`  ports: ${i.ports.map(portText).join(", ")}`);
  (toStderr ? process.stderr : process.stdout).write(`${lines.join("\n")}\n`);
  return EXIT.OK;
}
