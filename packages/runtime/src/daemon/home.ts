/**
 * Where the daemon and its instances keep files under MVM_HOME (DESIGN.md §3), and the Unix socket paths,
 * which must fit sockaddr_un.sun_path: sockets live in `MVM_HOME/run/` under the instance's short id, not
 * under `instances/<name>/` where a 63-character name would push them past the limit.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
/** The longest socket name `instancePaths` makes under run/: `<id>.agent`. */
const LONGEST_INSTANCE_SOCKET = `${"x".repeat(12)}.agent`;

export interface DaemonPaths {
  home: string;
  /** The control socket every mvmctl command talks to (mode 0600). */
  socket: string;
  pidFile: string;
  log: string;
  instancesDir: string;
  /** Short-named Unix sockets of the instances (QMP and agent channel). */
  runDir: string;
}

export function daemonPaths(home: string): DaemonPaths {
  return {
    home,
    socket: join(home, "daemon.sock"),
    pidFile: join(home, "daemon.pid"),
    log: join(home, "daemon.log"),
    instancesDir: join(home, "instances"),
    runDir: join(home, "run"),
  };
}

export interface InstancePaths {
  dir: string;
  state: string;
  /** What QEMU writes from the guest's serial console. */
  console: string;
  /** The timestamped log `mvmctl logs` prints: console, invoke output and lifecycle lines. */
  log: string;
  /** QEMU's own stderr. */
  vmmLog: string;
  qmpSocket: string;
  agentSocket: string;
}

export function instancePaths(home: string, name: string, id: string): InstancePaths {
  const dir = join(home, "instances", name);
  const run = daemonPaths(home).runDir;
  return {
    dir,
    state: join(dir, "state.json"),
    console: join(dir, "console.log"),
    log: join(dir, "instance.log"),
    vmmLog: join(dir, "qemu.log"),
    qmpSocket: join(run, `${id}.qmp`),
    agentSocket: join(run, `${id}.agent`),
  };
}

/** Fails early, naming MVM_HOME, when a socket under it could not be bound. */
export function checkSocketPaths(home: string): void {
  const paths = daemonPaths(home);
  for (const socket of [paths.socket, join(paths.runDir, LONGEST_INSTANCE_SOCKET)]) {
    const bytes = Buffer.byteLength(socket);
    if (bytes > MAX_SOCKET_PATH_BYTES) {
      throw new MvmError("RUN_HOME_PATH_TOO_LONG",
        `MVM_HOME ${home} is too long: its socket ${socket} would be ${bytes} bytes, and Unix sockets allow ${MAX_SOCKET_PATH_BYTES}`,
        `set MVM_HOME to a path of at most ${MAX_SOCKET_PATH_BYTES - (bytes - Buffer.byteLength(home))} bytes`);
    }
  }
}

/**
 * The abstract-namespace socket name that serves as the daemon's lock for `home`: binding it is atomic and
 * the kernel releases it when the process dies, so a crashed daemon never leaves a stale lock.
 */
export function daemonLockName(home: string): string {
  let real = home;
  try {
    real = realpathSync(home);
  } catch {
    // not created yet: the caller creates it before locking
  }
  return `\0mvm-daemon-${createHash("sha256").update(real).digest("hex").slice(0, 32)}`;
}
