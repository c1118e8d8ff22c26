/**
 * How a command reaches the host daemon: MVM_HOME is created at this boundary (0700), and the daemon is
 * started on first need as `mvmctl daemon run` in its own session.
 */
import { fileURLToPath } from "node:url";
import type { DaemonClient } from "@mvm/runtime/client";

const BIN = fileURLToPath(new URL("../bin/mvmctl.js", import.meta.url));

/** The argv that runs the daemon in the foreground; the runtime spawns it detached. */
export function daemonLauncher(): string[] {
  return [process.execPath, BIN, "daemon", "run"];
}

/** A client of this MVM_HOME's daemon, started if none runs. */
export async function daemonClient(): Promise<DaemonClient> {
  // Only the home and the client: the stages' entries load zod, the VMM and the builder, which these verbs never need.
  const { ensureMvmHome } = await import("@mvm/builder/home");
  const { connectDaemon } = await import("@mvm/runtime/client");
  return connectDaemon(ensureMvmHome(), { launcher: daemonLauncher() });
}

/** Runs `use` with a daemon client and closes it afterwards. */
export async function withDaemon<T>(use: (client: DaemonClient) => Promise<T>): Promise<T> {
  const client = await daemonClient();
  try {
    return await use(client);
  } finally {
    client.close();
  }
}
