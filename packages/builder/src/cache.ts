import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { isProcessAlive } from "@mvm/vmm";

/** The shared, content-addressed cache: `MVM_CACHE_DIR`, default `~/.cache/mvm` (DESIGN.md §3). */
export function mvmCacheDir(): string {
  return process.env.MVM_CACHE_DIR || join(homedir(), ".cache", "mvm");
}

/** Lowercase hex sha256 of the parts, each length-prefixed so ("ab","c") and ("a","bc") differ. */
export function contentKey(...parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  for (const part of parts) {
    const bytes = typeof part === "string" ? Buffer.from(part, "utf8") : part;
    h.update(`${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest("hex");
}

export interface BuildOnceOptions {
  /** How long to wait for another process that holds the lock. */
  lockWaitMs?: number;
  /** Told when this process waits for another one's build. */
  onWait?: (holderPid: number) => void;
  /** Build even if `finalDir` exists (`--no-cache`); the old entry is replaced only once the new one is complete. */
  rebuild?: boolean;
}

const POLL_MS = 500;


/**
 * Makes `finalDir` exist exactly once across processes: if absent, takes `finalDir.lock`, runs
 * `build(tmpDir)` into a sibling temp dir and publishes it with one rename, so readers never see a
 * half-written entry. A concurrent caller waits for the holder; a lock left by a dead process is taken over.
 * Resolves true when this call built the entry, false when it was already there (or another process built it).
 */
export async function buildOnce(finalDir: string, build: (tmpDir: string) => Promise<void>, opts: BuildOnceOptions = {}): Promise<boolean> {
  const present = () => !opts.rebuild && existsSync(finalDir);
  if (present()) return false;
  const lockPath = `${finalDir}.lock`;
  const deadline = Date.now() + (opts.lockWaitMs ?? 30 * 60_000);
  await mkdir(join(finalDir, ".."), { recursive: true });
  for (;;) {
    if (present()) return false;
    try {
      const fh = await open(lockPath, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
    if (holder > 0 && !isProcessAlive(holder)) {
      await rm(lockPath, { force: true });
      continue;
    }
    // An empty lock file is one being written right now, unless it has been empty for long.
    const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (!holder && age > 10_000) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new MvmError("BUILD_CACHE_LOCKED", `${lockPath} is still held by process ${holder}`, `wait for it to finish, or remove ${lockPath} if that process is gone`);
    }
    opts.onWait?.(holder);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const tmpDir = `${finalDir}.tmp-${process.pid}`;
  const oldDir = `${finalDir}.old-${process.pid}`;
  try {
    if (present()) return false;
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(tmpDir, { recursive: true });
    await build(tmpDir);
    if (existsSync(finalDir)) await rename(finalDir, oldDir);
    await rename(tmpDir, finalDir);
    return true;
  } finally {
    await rm(oldDir, { recursive: true, force: true });
    await rm(tmpDir, { recursive: true, force: true });
    await rm(lockPath, { force: true });
  }
}
