import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "./command.ts";

const BLOCK = 4096;
/** Free space left in every image: room for ext4's own metadata and a little for the guest. */
const SLACK_BYTES = 16 * 1024 * 1024;

export interface TreeSize {
  /** Bytes the tree occupies in 4 KiB blocks. */
  bytes: number;
  /** Files, directories and links in the tree, the root included. */
  entries: number;
}

/** Walks a tree without following symlinks and totals its block-rounded size and entry count. */
export async function measureTree(dir: string): Promise<TreeSize> {
  let bytes = 0;
  let entries = 1;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      entries++;
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        bytes += BLOCK;
        pending.push(path);
      } else if (entry.isFile()) {
        bytes += Math.ceil((await lstat(path)).size / BLOCK) * BLOCK;
      } else if (entry.isSymbolicLink()) {
        bytes += BLOCK;
      }
    }
  }
  return { bytes, entries };
}

/**
 * Makes a journal-less ext4 image of `dir` with `mke2fs -d` (no root, no loop mounts; 0.15–0.45 s for a
 * Python or Node rootfs). The guest mounts it read-only, so no journal is needed; the size is the tree
 * plus 25 % and 16 MiB for metadata.
 */
export async function mkExt4(dir: string, outFile: string, opts: { label?: string } = {}): Promise<void> {
  const tree = await measureTree(dir);
  const sizeKib = Math.ceil((tree.bytes * 1.25 + SLACK_BYTES) / 1024 / 4) * 4;
  const inodes = tree.entries + 1024;
  await rm(outFile, { force: true });
  await runCommand("mke2fs", [
    "-q", "-F", "-t", "ext4", "-O", "^has_journal", "-m", "0", "-b", String(BLOCK),
    "-N", String(inodes), "-E", "root_owner=0:0", "-L", opts.label ?? "mvm-root",
    "-d", dir, outFile, `${sizeKib}k`,
  ]);
}
