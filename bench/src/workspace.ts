/**
 * What every scenario shares: the repo's own mvmctl (run as a user runs it), a temporary MVM_HOME with the
 * seed's Python hello-app built into it, and that home's daemon. Torn down whole afterwards: instances,
 * the templates its apps made, the daemon, any QEMU left under the home, the home itself.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectDaemon, type DaemonClient } from "@mvm/runtime";
import { findProcessByArg } from "@mvm/vmm";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MVMCTL = join(ROOT, "packages/cli/bin/mvmctl.js");
export const SEED_APP = join(ROOT, "examples/python/hello-app/app.py");
/** The seed's app name; the seed's function takes `name`. */
export const APP = "hello-app";
export const READY_TIMEOUT_MS = 600_000;

export interface ProcessResult {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv to its end and times it wall to wall (spawn to exit), as a user's shell would see it. */
export function runTimed(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (status) => resolve({ ms: performance.now() - t, status, stdout, stderr }));
  });
}

/** Like runTimed, and fails unless the process exits 0. */
export async function runOk(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<ProcessResult> {
  const r = await runTimed(argv, env, cwd);
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  return r;
}

export interface Workspace {
  home: string;
  env: NodeJS.ProcessEnv;
  client: DaemonClient;
  log(line: string): void;
  mvmctl(args: string[], env?: NodeJS.ProcessEnv): Promise<ProcessResult>;
  close(): Promise<void>;
}

export async function openWorkspace(log: (line: string) => void): Promise<Workspace> {
  // Short: the home's sockets must fit sun_path.
  const home = await mkdtemp(join(tmpdir(), "mvm-bench-"));
  const env = { MVM_HOME: home };
  const mvmctl = (args: string[], extra: NodeJS.ProcessEnv = {}) => runOk([process.execPath, MVMCTL, ...args], { ...env, ...extra });
  log(`building the seed's Python hello-app into ${home}`);
  await mvmctl(["build", SEED_APP]);
  const client = await connectDaemon(home, { launcher: [process.execPath, MVMCTL, "daemon", "run"] });
  return {
    home, env, client, log, mvmctl,
    async close() {
      await client.request("down", { names: [], all: true }).catch(() => undefined);
      const listed = await client.request("snapshot_ls").catch(() => ({ templates: [] }));
      const ours = listed.templates.filter((t) => t.status === "current").map((t) => t.key);
      if (ours.length > 0) await client.request("snapshot_rm", { selectors: ours, all: false }).catch(() => undefined);
      await client.request("stop").catch(() => undefined);
      client.close();
      await new Promise((r) => setTimeout(r, 500));
      for (let pid = findProcessByArg(`${home}/run/`); pid !== undefined; pid = findProcessByArg(`${home}/run/`)) process.kill(pid, "SIGKILL");
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** `up` through the daemon API, timed from request to READY. */
export async function upTimed(ws: Workspace, name: string, cold: boolean): Promise<number> {
  const t = performance.now();
  await ws.client.request("up", {
    app: APP, name, if_not_running: false, attach: false, ready_timeout_ms: READY_TIMEOUT_MS, ...(cold ? { cold: true } : {}),
  });
  return performance.now() - t;
}

export async function invokeHello(ws: Workspace, name: string): Promise<void> {
  const r = await ws.client.request("invoke", { name, inputs: [{ name: "name", text: "ari" }] });
  if (r.value !== "hello ari") throw new Error(`${name} answered ${JSON.stringify(r.value)}, not "hello ari"`);
}

export async function down(ws: Workspace, ...names: string[]): Promise<void> {
  await ws.client.request("down", { names, all: false });
}

/** A process's proportional set size (its share of pages it maps with others), in bytes. */
export async function pssBytes(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? Number.NaN) * 1024;
}

/** The daemon's resident memory: the median of 5 reads a second apart (its heap breathes with GC). */
export async function daemonRssBytes(ws: Workspace): Promise<number> {
  const { pid } = await ws.client.request("status");
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    reads.push(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return reads.sort((x, y) => x - y)[2]!;
}
