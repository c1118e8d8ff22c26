// Helpers for the run tests: the real mvmctl (its bundle, as a user runs it) against a temp MVM_HOME with
// its own daemon, and a cleanup that leaves no QEMU, daemon or socket behind.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findProcessByArg, isProcessAlive } from "@mvm/vmm";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MVMCTL = join(ROOT, "packages/cli/bin/mvmctl.js");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment mvmctl runs with for `home`: its snapshot templates under the home, so they go with it (an
 * image is never rebuilt byte for byte, so a test's templates are never another's) and a test that prunes or
 * corrupts templates touches only its own. The daemon takes it from the first command.
 */
export function homeEnv(home: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, MVM_TEMPLATE_DIR: join(home, "templates"), ...env, MVM_HOME: home };
}

/** Runs mvmctl with MVM_HOME=`home`; resolves when it exits (never rejects). */
export function mvmctl(home: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MVMCTL, ...args], {
      cwd: opts.cwd ?? ROOT, env: homeEnv(home, opts.env), stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.end(opts.input ?? "");
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Builds an app the way a user does: its app.py in a directory of its own, `mvmctl build app.py` into
 * `home`'s registry. Throws with the build's stderr when it fails.
 */
export async function buildApp(home: string, appPy: string, buildFlags: string[] = []): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "mvm-run-app-"));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "app.py"), appPy);
    const r = await mvmctl(home, ["build", join(dir, "app.py"), ...buildFlags]);
    if (r.status !== 0) throw new Error(`mvmctl build failed (${r.status}):\n${r.stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** mvmctl as a running child (to read its output as it comes, or send it signals). */
export function mvmctlChild(home: string, args: string[]) {
  const child = spawn(process.execPath, [MVMCTL, ...args], { cwd: ROOT, env: homeEnv(home), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** A fresh MVM_HOME (short: its sockets must fit sun_path). */
export async function tempHome(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `mvm-${label}-`));
}

/** The daemon's pid from its pid file, when one is running. */
export async function daemonPid(home: string): Promise<number | undefined> {
  const text = await readFile(join(home, "daemon.pid"), "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : undefined;
}

/** Every QEMU whose command line lives under `home` (its sockets do). */
export function qemuUnder(home: string): number | undefined {
  return findProcessByArg(`${home}/run/`);
}

/** Brings everything down and removes `home` (its snapshot templates with it); kills what a failed test left running. */
export async function cleanupHome(home: string): Promise<void> {
  await mvmctl(home, ["down", "--all", "--timeout", "10"]);
  await mvmctl(home, ["daemon", "stop"]);
  for (let pid = qemuUnder(home); pid !== undefined; pid = qemuUnder(home)) {
    process.kill(pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 100));
  }
  const daemon = await daemonPid(home);
  if (daemon) process.kill(daemon, "SIGKILL");
  await rm(home, { recursive: true, force: true });
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface PsRow {
  name: string;
  app: string;
  state: { kind: string; reason?: string };
  pid: number | null;
  ports: { host: number; guest: number; proto: string }[];
  network: string;
  channel_connected: boolean;
  signer: { name: string; key_id: string; signed_at: string } | null;
}

export async function psJson(home: string): Promise<PsRow[]> {
  const r = await mvmctl(home, ["ps", "--json"]);
  if (r.status !== 0) throw new Error(`mvmctl ps failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PsRow[];
}
