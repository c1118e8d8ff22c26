/**
 * Checking a template's files before a clone maps them. Hashing 256 MiB per clone would cost more than
 * the clone, so a daemon hashes each template fully once — when it made it, or the first time it uses one
 * another process made — and remembers the files' identity (device, inode, size, mtime, ctime); each
 * later clone checks only that. A file replaced, truncated or written since is then seen by its identity.
 */
import { stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { sha256File } from "@mvm/builder";
import { MvmError } from "@mvm/ir";
import type { TemplateManifest } from "./format.ts";
import { templatePaths, type TemplatePaths } from "./store.ts";

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface VerifiedTemplate {
  key: string;
  manifest: TemplateManifest;
  paths: TemplatePaths;
  ram: FileIdentity;
  state: FileIdentity;
}

export function identityOf(st: Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

async function statOrFail(key: string, file: string): Promise<Stats> {
  try {
    return await stat(file);
  } catch (err) {
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${key.slice(0, 12)} is missing ${file}`, undefined, { cause: err });
  }
}

function checkSize(key: string, what: string, st: Stats, expected: number): void {
  if (st.size !== expected) {
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${key.slice(0, 12)}'s ${what} is ${st.size} bytes; template.json says ${expected}`);
  }
}

/** Hashes both files against template.json; the identities returned are what later clones check. */
export async function verifyFully(dir: string, manifest: TemplateManifest): Promise<VerifiedTemplate> {
  const paths = templatePaths(dir);
  const key = manifest.key;
  const before = { ram: await statOrFail(key, paths.ram), state: await statOrFail(key, paths.state) };
  checkSize(key, "RAM file", before.ram, manifest.files.ram.bytes);
  checkSize(key, "state file", before.state, manifest.files.state.bytes);
  const [ramSha, stateSha] = await Promise.all([sha256File(paths.ram), sha256File(paths.state)]);
  for (const [what, got, want] of [["RAM file", ramSha, manifest.files.ram.sha256], ["state file", stateSha, manifest.files.state.sha256]] as const) {
    if (got !== want) throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${key.slice(0, 12)}'s ${what} has sha256 ${got.slice(0, 12)}…; template.json says ${want.slice(0, 12)}…`);
  }
  const after = { ram: identityOf(await statOrFail(key, paths.ram)), state: identityOf(await statOrFail(key, paths.state)) };
  // Changed while being hashed: what was hashed is not what a clone would map.
  if (!sameIdentity(identityOf(before.ram), after.ram) || !sameIdentity(identityOf(before.state), after.state)) {
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${key.slice(0, 12)} changed while it was being verified`);
  }
  return { key, manifest, paths, ...after };
}

/** The per-clone check: both files are still exactly the ones verified. */
export async function verifyIdentity(t: VerifiedTemplate): Promise<void> {
  for (const [what, file, known] of [["RAM file", t.paths.ram, t.ram], ["state file", t.paths.state, t.state]] as const) {
    const st = await statOrFail(t.key, file);
    checkSize(t.key, what, st, known.size);
    if (!sameIdentity(identityOf(st), known)) {
      throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${t.key.slice(0, 12)}'s ${what} was replaced or modified after it was verified`);
    }
  }
}
