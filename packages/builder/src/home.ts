import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** mvm's state directory: `MVM_HOME`, default `~/.mvm` (DESIGN.md §3). Built apps, instances, secrets, keys. */
export function mvmHome(): string {
  return process.env.MVM_HOME || join(homedir(), ".mvm");
}

/**
 * Creates `MVM_HOME` (mode 0700, it holds secrets and control sockets) and returns it. A command calls this
 * at its boundary; leaf code only reads paths under it.
 */
export function ensureMvmHome(): string {
  const home = mvmHome();
  makeDirectoryChain(home);
  chmodSync(home, 0o700);
  return home;
}

/**
 * mkdir -p one level at a time: Node's `mkdirSync(p, { recursive: true })` spins forever where mkdir answers
 * ENOENT under an existing parent (a path under /proc), so this fails cleanly instead.
 */
export function makeDirectoryChain(dir: string, mode = 0o755): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d) && d !== dirname(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d, { mode });
}
