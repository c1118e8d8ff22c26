/**
 * The app's `local_path` tree as `mvmctl build` will see it: walked from the source root, filtered by the
 * include/exclude globs, without `.git`, `node_modules`, `__pycache__` and `.venv`, copied into
 * DIR/source/ and identified by a tree hash (the recipe is documented on LaunchSource in @mvm/ir).
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { MvmError } from "@mvm/ir";
import { compileGlob, globMatches } from "./globs.ts";

const ALWAYS_SKIPPED = new Set([".git", "node_modules", "__pycache__", ".venv"]);
/** Kernel pseudo-filesystems: files there are endless or block when read (/proc/kmsg), never app code. */
const PSEUDO_FILESYSTEMS = ["/proc", "/sys", "/dev"];

export interface SourceLimits {
  /** The whole tree must fit here: the app's rootfs_size_mb, in bytes. */
  maxBytes: number;
  maxFiles: number;
}

export interface SourceEntry {
  /** `/`-separated, relative to the root. */
  path: string;
  kind: "f" | "x" | "l";
  /** sha256 hex of the contents, or of the link target for symlinks. */
  digest: string;
}

export interface SourceTree {
  root: string;
  entries: SourceEntry[];
}

/**
 * Walks `root`; `skip` holds absolute paths never to enter (e.g. the --out directory inside the root).
 * Stops with COMPILE_SOURCE_TOO_LARGE as soon as the tree outgrows `limits`, before reading on.
 */
export function collectSourceTree(root: string, include: string[], exclude: string[], skip: string[] = [], limits?: SourceLimits): SourceTree {
  const pseudo = PSEUDO_FILESYSTEMS.find((p) => root === "/" || root === p || root.startsWith(`${p}/`));
  if (pseudo) {
    throw new MvmError("COMPILE_SOURCE_TOO_LARGE", `local_path resolves to ${root}, which ${root === "/" ? "is the whole filesystem" : `is inside ${pseudo}`}`,
      "point local_path at the directory holding the app's code, e.g. local_path(\".\")");
  }
  let bytes = 0;
  const includes = include.map(compileGlob);
  const excludes = exclude.map(compileGlob);
  const skipped = new Set(skip.map((p) => resolve(p)));
  const entries: SourceEntry[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      throw new MvmError("COMPILE_IO", `cannot read the source directory ${dir}: ${(err as Error).message}`, "check local_path(...) in the app file", { cause: err });
    }
    for (const name of names.sort()) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(abs);
      if (stat.isDirectory()) {
        if (ALWAYS_SKIPPED.has(name) || skipped.has(abs) || excludes.some((g) => globMatches(g, path, true))) continue;
        walk(abs, path);
        continue;
      }
      if (!stat.isFile() && !stat.isSymbolicLink()) continue;
      if (excludes.some((g) => globMatches(g, path, false)) || !includes.some((g) => globMatches(g, path, false))) continue;
      bytes += stat.size;
      if (limits && (bytes > limits.maxBytes || entries.length >= limits.maxFiles)) {
        throw new MvmError("COMPILE_SOURCE_TOO_LARGE",
          `the source tree ${root} holds more than ${entries.length >= limits.maxFiles ? `${limits.maxFiles} files` : `${Math.floor(limits.maxBytes / 2 ** 20)} MiB (rootfs_size_mb)`} (at ${path})`,
          "narrow local_path with include=/exclude= globs, or raise resources(rootfs_size_mb=...)");
      }
      if (stat.isSymbolicLink()) entries.push({ path, kind: "l", digest: sha256(readlinkSync(abs)) });
      else entries.push({ path, kind: stat.mode & 0o111 ? "x" : "f", digest: sha256(readFileSync(abs)) });
    }
  };
  walk(root, "");
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { root, entries };
}

export function treeHash(tree: SourceTree): string {
  const hash = createHash("sha256");
  for (const e of tree.entries) hash.update(`${e.kind} ${e.path}\0${e.digest}\n`, "utf8");
  return hash.digest("hex");
}

/** Copies the collected entries into `dest` (which must not exist yet), symlinks as symlinks. */
export function copySourceTree(tree: SourceTree, dest: string): void {
  mkdirSync(dest, { recursive: true });
  for (const e of tree.entries) {
    const from = join(tree.root, e.path);
    const to = join(dest, e.path);
    mkdirSync(join(to, ".."), { recursive: true });
    if (e.kind === "l") symlinkSync(readlinkSync(from), to);
    else {
      copyFileSync(from, to);
      chmodSync(to, e.kind === "x" ? 0o755 : 0o644);
    }
  }
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
