import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** How a VMM process ended, as far as this process can know. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False for an adopted process: it is not our child, so its exit status cannot be read. */
  statusKnown: boolean;
}

/**
 * A VMM process this process either spawned or adopted. Spawned ones report their exit through the child
 * handle; adopted ones (left running by a daemon that died) are watched by polling, since only a parent can
 * wait for a process and Node has no pidfd.
 */
export interface VmmProcess {
  readonly pid: number;
  readonly ended: Promise<ProcessEnd>;
  readonly hasEnded: boolean;
  kill(signal: NodeJS.Signals): void;
  /** Stops watching; `ended` then never settles. */
  release(): void;
}

export function spawnedProcess(child: ChildProcess): VmmProcess {
  let hasEnded = false;
  const ended = new Promise<ProcessEnd>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (hasEnded) return;
      hasEnded = true;
      resolve({ code, signal, statusKnown: true });
    };
    child.once("exit", finish);
    child.once("error", () => finish(null, null));
  });
  const release = () => {
    child.removeAllListeners("exit");
    child.removeAllListeners("error");
    child.on("error", () => undefined);
  };
  return {
    pid: child.pid ?? -1,
    ended,
    get hasEnded() {
      return hasEnded;
    },
    kill: (signal) => {
      if (!hasEnded) child.kill(signal);
    },
    release,
  };
}

const ADOPTED_POLL_MS = 500;

/** The process behind `pid` still exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // Field 3 of /proc/PID/stat, after the parenthesised command name (which may itself hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The NUL-separated argv of `pid`, or null when it is gone or unreadable. */
export function processArgv(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  } catch {
    return null;
  }
}

/**
 * Watches a process this one did not spawn. `onPoll` lets the caller add a faster signal (a QMP socket
 * closing) through `checkNow`.
 */
export function adoptedProcess(pid: number): VmmProcess & { checkNow(): void } {
  let hasEnded = false;
  let resolveEnded!: (end: ProcessEnd) => void;
  const ended = new Promise<ProcessEnd>((resolve) => (resolveEnded = resolve));
  const check = () => {
    if (hasEnded || isProcessAlive(pid)) return;
    hasEnded = true;
    clearInterval(timer);
    resolveEnded({ code: null, signal: null, statusKnown: false });
  };
  const timer = setInterval(check, ADOPTED_POLL_MS);
  timer.unref();
  return {
    pid,
    ended,
    get hasEnded() {
      return hasEnded;
    },
    kill: (signal) => {
      if (hasEnded) return;
      try {
        process.kill(pid, signal);
      } catch {
        // already gone: the next check settles `ended`
      }
      check();
    },
    release: () => clearInterval(timer),
    checkNow: check,
  };
}

/** The pid of the process whose argv names `needle` (a VM's unique control socket), if one runs. */
export function findProcessByArg(needle: string): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    if (processArgv(pid)?.some((a) => a.includes(needle)) && isProcessAlive(pid)) return pid;
  }
  return undefined;
}
