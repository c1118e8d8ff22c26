// Running mvmctl as a user does (a child process), compiling app files into compile outputs, and the
// checks every failed build must pass: nothing registered, nothing staged, no half-made layer, no VM.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MVMCTL = join(ROOT, "packages/cli/bin/mvmctl.js");

/** Runs mvmctl with `env` added to this process's environment; stdout and stderr are captured. */
export function mvmctl(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [MVMCTL, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
}

/** The same, asynchronously (so a test can send it signals), in its own process group like a terminal job. */
export function mvmctlChild(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [MVMCTL, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stderr = "";
  let stdout = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Writes `files` (path → text) under a fresh temp dir and returns it. */
export function writeApp(files: Record<string, string>, prefix = "mvm-app-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** `mvmctl compile FILE --out OUT`; throws with stderr when it fails. */
export function compileTo(file: string, out: string): void {
  const r = mvmctl(["compile", file, "--out", out]);
  if (r.status !== 0) throw new Error(`mvmctl compile ${file} failed:\n${r.stderr}`);
}

/** The `error[CODE]` mvmctl printed. */
export function errorCode(stderr: string): string | undefined {
  return /error\[([A-Z_]+)\]/.exec(stderr)?.[1];
}

/** What a failed build must not leave behind, as a list of findings (empty = clean). */
export function leftovers(home: string, cacheDir: string, since: { tmpEntries: Set<string> }): string[] {
  const found: string[] = [];
  const apps = join(home, "apps");
  if (existsSync(apps)) for (const name of readdirSync(apps)) found.push(`apps/${name}`);
  const layers = join(cacheDir, "layers");
  if (existsSync(layers)) {
    for (const kind of readdirSync(layers)) for (const e of readdirSync(join(layers, kind))) if (/\.(tmp|lock|old)-?/.test(e)) found.push(`layers/${kind}/${e}`);
  }
  for (const e of readdirSync(tmpdir())) if (/^mvm-(bb|build-compile)-/.test(e) && !since.tmpEntries.has(e)) found.push(join(tmpdir(), e));
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "");
  for (const m of mounts) if (m.startsWith(cacheDir) || m.startsWith(home)) found.push(`mount ${m}`);
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    const cmdline = (() => { try { return readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { return ""; } })();
    if (cmdline.startsWith("qemu-system") && (cmdline.includes(home) || cmdline.includes("/mvm-bb-"))) found.push(`qemu pid ${pid}`);
  }
  return found;
}

/** The temp entries that exist now, so `leftovers` reports only those a test's build made. */
export function tmpSnapshot(): { tmpEntries: Set<string> } {
  return { tmpEntries: new Set(readdirSync(tmpdir())) };
}
