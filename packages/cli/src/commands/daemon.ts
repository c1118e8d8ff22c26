import type { Command } from "@commander-js/extra-typings";
import { EXIT, type ExitCode } from "../exit-codes.ts";

export function define(program: Command): void {
  const daemon = program.command("daemon").description("The host daemon that owns this MVM_HOME's instances (started on first need)");
  daemon
    .command("status")
    .description("Show whether the daemon runs: pid, uptime, memory, instances (exit 1 when none runs)")
    .option("--json", "print the status as JSON")
    .action(async (flags) => {
      process.exitCode = await status(flags.json === true);
    });
  daemon
    .command("stop")
    .description("Stop the daemon; instances keep running and the next daemon re-adopts them")
    .action(async () => {
      process.exitCode = await stop();
    });
  daemon
    .command("run")
    .description("Run the daemon in the foreground (mvmctl starts it detached by itself)")
    .action(async () => {
      const { ensureMvmHome } = await import("@mvm/builder");
      const { runDaemon } = await import("@mvm/runtime");
      process.exitCode = (await runDaemon(ensureMvmHome())).exitCode;
    });
}

async function connect() {
  const { mvmHome } = await import("@mvm/builder");
  const { connectDaemon } = await import("@mvm/runtime");
  return connectDaemon(mvmHome());
}

async function status(json: boolean): Promise<ExitCode> {
  const client = await connect();
  try {
    const s = await client.request("status");
    if (json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    else {
      process.stdout.write(`daemon pid ${s.pid} serving ${s.home}\n  up ${Math.round(s.uptime_ms / 1000)} s, ${Math.round(s.rss_bytes / 2 ** 20)} MiB resident, ${s.instances} instance(s), control protocol v${s.protocol}\n`);
    }
    return EXIT.OK;
  } finally {
    client.close();
  }
}

async function stop(): Promise<ExitCode> {
  const { MvmError } = await import("@mvm/ir");
  let client;
  try {
    client = await connect();
  } catch (err) {
    if (err instanceof MvmError && err.code === "RUN_DAEMON_NOT_RUNNING") {
      process.stdout.write("no daemon is running\n");
      return EXIT.OK;
    }
    throw err;
  }
  try {
    const { pid } = await client.request("status");
    await client.request("stop");
    const { isProcessAlive } = await import("@mvm/vmm");
    const { waitFor } = await import("@mvm/ir");
    await waitFor(() => !isProcessAlive(pid), { deadlineMs: 30_000, what: `daemon pid ${pid} to exit` });
    process.stdout.write(`daemon pid ${pid} stopped; running instances keep running and are re-adopted when it next starts\n`);
    return EXIT.OK;
  } finally {
    client.close();
  }
}
