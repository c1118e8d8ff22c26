/**
 * What changed between a signature and the artifacts in front of us, one line per file, named as a person
 * finds it: `workload.json`, `launch.json`, or the very file under `source/` (added, removed, edited, its
 * executable bit flipped). The signed listing names source files only when it hashes to the signed tree
 * hash; otherwise the tree hash itself is what we can name.
 */
import type { ArtifactDigests } from "./compile-output.ts";
import type { SignedSourceEntry } from "./signature-format.ts";
import { byPath, treeHashOf, type SourceEntry } from "./source-tree.ts";

export const DIGEST_NAMES = ["workload.json", "launch.json", "source/"] as const satisfies readonly (keyof ArtifactDigests)[];

export interface ArtifactChanges {
  /** The digests that differ. */
  changed: (keyof ArtifactDigests)[];
  /** One line per change, e.g. `source/app.py changed: sha256 … now, … when signed`. */
  lines: string[];
}

export function artifactChanges(signed: ArtifactDigests, actual: ArtifactDigests, signedFiles: readonly SignedSourceEntry[] | undefined, entries: readonly SourceEntry[]): ArtifactChanges {
  const changed = DIGEST_NAMES.filter((name) => signed[name] !== actual[name]);
  const lines: string[] = [];
  for (const name of changed) {
    if (name !== "source/") {
      lines.push(`${name} changed: sha256 ${actual[name]} now, ${signed[name]} when signed`);
      continue;
    }
    const listing = signedFiles && treeHashOf([...signedFiles].sort(byPath)) === signed["source/"] ? signedFiles : undefined;
    const files = listing ? sourceChanges(listing, entries) : [];
    // The tree hash always leads: it is what the signature covers; the file lines say where it moved.
    lines.push(`source/ changed: tree hash ${actual["source/"]} now, ${signed["source/"]} when signed${listing ? "" : " (the signature's file listing does not match its own tree hash, so the files cannot be named)"}`);
    lines.push(...files.map((l) => `  ${l}`));
  }
  return { changed, lines };
}

function sourceChanges(signed: readonly SignedSourceEntry[], entries: readonly SourceEntry[]): string[] {
  const before = new Map(signed.map((e) => [e.path, e]));
  const now = new Map(entries.map((e) => [e.path, e]));
  const lines: string[] = [];
  for (const path of [...new Set([...before.keys(), ...now.keys()])].sort((a, b) => byPath({ path: a }, { path: b }))) {
    const was = before.get(path);
    const is = now.get(path);
    if (!was) lines.push(`source/${path} was added after signing (sha256 ${is?.sha256})`);
    else if (!is) lines.push(`source/${path} was removed after signing`);
    else if (was.sha256 !== is.sha256) lines.push(`source/${path} changed: sha256 ${is.sha256} now, ${was.sha256} when signed`);
    else if (was.kind !== is.kind) lines.push(`source/${path} changed kind: ${KIND[is.kind]} now, ${KIND[was.kind]} when signed`);
  }
  return lines;
}

const KIND: Record<SourceEntry["kind"], string> = { f: "a file", x: "an executable file", l: "a symlink", "?": "neither file nor symlink" };
