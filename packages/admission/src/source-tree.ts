/**
 * The tree hash of a compile output's `source/`, by the recipe launch.json documents (LaunchSource in
 * @mvm/ir): for each entry in byte order of its `/`-separated path, `<f|x|l> <path>\0<sha256>\n`. Unlike
 * the compiler's walk, nothing is skipped: whatever was added to source/ after compile changes the hash.
 * The entries are kept, so a signature can name the file that changed and a review the largest files.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

/** f regular file, x executable file, l symlink; "?" anything else (never produced by compile). */
export type SourceEntryKind = "f" | "x" | "l" | "?";

export interface SourceEntry {
  kind: SourceEntryKind;
  /** `/`-separated, relative to source/. */
  path: string;
  /** sha256 hex of the contents, or of the link target. */
  sha256: string;
  /** Bytes of the contents (of the link target's text for a symlink). */
  size: number;
}

export interface HashedTree {
  hash: string;
  fileCount: number;
  totalBytes: number;
  /** In the recipe's order: byte order of the path. */
  entries: SourceEntry[];
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** One entry's contribution to the tree hash. */
export function treeLine(e: Pick<SourceEntry, "kind" | "path" | "sha256">): string {
  return `${e.kind} ${e.path}\0${e.sha256}\n`;
}

/** The tree hash of entries already in the recipe's order. */
export function treeHashOf(entries: readonly Pick<SourceEntry, "kind" | "path" | "sha256">[]): string {
  const hash = createHash("sha256");
  for (const e of entries) hash.update(treeLine(e), "utf8");
  return hash.digest("hex");
}

/** Byte order of the UTF-8 path, the recipe's order. */
export function byPath(a: { path: string }, b: { path: string }): number {
  return Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
}

/** Walks `root` (a compile output's source/) and hashes it by the recipe, keeping each entry. */
export async function hashSourceTree(root: string): Promise<HashedTree> {
  const entries: SourceEntry[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const name of await readdir(dir)) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const stat = await lstat(abs);
      if (stat.isDirectory()) {
        await walk(abs, path);
        continue;
      }
      // A fifo or device was never produced by compile; "?" keeps it from matching any recorded hash.
      const [kind, contents]: [SourceEntryKind, string | Buffer] = stat.isSymbolicLink()
        ? ["l", await readlink(abs)]
        : stat.isFile() ? [stat.mode & 0o111 ? "x" : "f", await readFile(abs)] : ["?", ""];
      entries.push({ kind, path, sha256: sha256(contents), size: Buffer.byteLength(contents) });
    }
  };
  await walk(root, "");
  entries.sort(byPath);
  return { hash: treeHashOf(entries), fileCount: entries.length, totalBytes: entries.reduce((n, e) => n + e.size, 0), entries };
}
