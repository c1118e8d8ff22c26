/**
 * Starting the daemon on first need: detached (its own session, so it outlives the mvmctl that started it
 * and ignores that terminal's Ctrl-C), cwd MVM_HOME (it never pins the user's directory), output appended
 * to MVM_HOME/daemon.log. Two mvmctl racing to start it is fine: the daemon's lock lets one win, the other
 * exits, and both clients then reach the winner.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { MvmError } from "@mvm/ir/errors";
import { waitFor } from "@mvm/ir/wait-for";
import { checkSocketPaths, daemonPaths } from "./home.ts";

const START_DEADLINE_MS = 60_000;
const LOG_TAIL_BYTES = 3000;
/** Past this the daemon's log moves to daemon.log.1 when the next daemon starts (one generation kept). */
const MAX_LOG_BYTES = 8 * 1024 * 1024;

export async function startDaemon(home: string, launcher: string[], isServing: () => Promise<boolean>): Promise<void> {
  checkSocketPaths(home);
  const paths = daemonPaths(home);
  const [command, ...args] = launcher;
  if (!command) throw new MvmError("RUN_DAEMON_START_FAILED", "no daemon launcher command was given");
  if ((statSync(paths.log, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) renameSync(paths.log, `${paths.log}.1`);
  const fd = openSync(paths.log, "a", 0o600);
  let exited: string | undefined;
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], cwd: home, env: { ...process.env, MVM_HOME: home } });
    child.once("exit", (code, signal) => (exited = signal ? `killed by ${signal}` : `exited with ${code}`));
    child.once("error", (err) => (exited = err.message));
    child.unref();
  } finally {
    closeSync(fd);
  }
  let outcome: string;
  try {
    outcome = await waitFor(async () => {
      if (await isServing()) return "serving";
      // A daemon that lost the lock race exits 0 while the winner opens the socket: keep waiting for that one.
      return exited && exited !== "exited with 0" ? `the daemon ${exited}` : false;
    }, { deadlineMs: START_DEADLINE_MS, what: `the mvm daemon to open ${paths.socket}`, intervalMs: 25, code: "RUN_DAEMON_START_FAILED" });
  } catch (err) {
    outcome = (err as Error).message;
  }
  if (outcome !== "serving") {
    throw new MvmError("RUN_DAEMON_START_FAILED", `${outcome}; the end of ${paths.log}:\n${logTail(paths.log)}`,
      "run `mvmctl daemon run` in the foreground to see why");
  }
}

function logTail(path: string): string {
  try {
    return readFileSync(path, "utf8").slice(-LOG_TAIL_BYTES).trim() || "(empty)";
  } catch {
    return "(no log)";
  }
}
