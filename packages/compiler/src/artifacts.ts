/**
 * `mvmctl compile --out DIR`: replaces DIR/workload.json (the IR bytes + newline), DIR/launch.json and
 * DIR/source/ — and nothing else in DIR. Everything is staged first, so a failure leaves DIR as it was.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import {
  ARTIFACT_FORMAT_VERSION, canonicalDocument, Launch, mergeHooks, MvmError, parseWith, type LaunchEntrypoint,
} from "@mvm/ir";
import type { Compiled } from "./compile.ts";
import { collectSourceTree, copySourceTree, treeHash } from "./source/source-tree.ts";

const ARTIFACTS = ["workload.json", "launch.json", "source"] as const;
const MAX_SOURCE_FILES = 100_000;

export interface WrittenArtifacts {
  dir: string;
  launch: Launch;
}

export function writeArtifacts(compiled: Compiled, outDir: string, onNotice: (line: string) => void = () => {}): WrittenArtifacts {
  const app = compiled.workload.apps[0]!;
  const root = resolve(dirname(compiled.appFile), app.source.path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new MvmError("COMPILE_IO", `local_path ${JSON.stringify(app.source.path)} resolves to ${root}, which is not a directory`,
      "local_path is resolved against the app file's directory");
  }
  const dir = resolve(outDir);
  const tree = collectSourceTree(root, app.source.include, app.source.exclude, [dir],
    { maxBytes: app.resources.rootfs_size_mb * 2 ** 20, maxFiles: MAX_SOURCE_FILES });
  const appFile = relative(root, compiled.appFile).split(sep).join("/");
  if (compiled.language !== null && !tree.entries.some((e) => e.path === appFile)) {
    onNotice(`warning: the app file ${appFile} is not part of the source tree (local_path ${JSON.stringify(app.source.path)} with its include/exclude); the image will not contain it`);
  }

  const entrypoints: LaunchEntrypoint[] = app.entrypoints.map((e) =>
    e.kind === "function" ? { ...e, params: e.primary ? compiled.params : null } : e);
  const launch = parseWith(Launch, {
    artifact_format_version: ARTIFACT_FORMAT_VERSION,
    ir_hash: compiled.irHash,
    ir_schema_version: compiled.workload.schema_version,
    workload_id: compiled.workload.id,
    toolchain_version: `mvmctl ${toolchainVersion()}`,
    app_file: appFile,
    image: app.image,
    resources: app.resources,
    entrypoint: entrypoints.find((e) => e.kind === "command" || e.primary) ?? entrypoints[0],
    entrypoints,
    env: app.env,
    network: app.network,
    source: { kind: "local_path", file_count: tree.entries.length, tree_hash: treeHash(tree) },
    hooks: mergeHooks(app.hooks, app.addons ?? []),
  }, "launch.json");

  const staging = join(dir, `.mvm-staging-${process.pid}`);
  try {
    rmSync(staging, { recursive: true, force: true });
    makeDirectoryChain(dir);
    mkdirSync(staging);
    writeFileSync(join(staging, "workload.json"), Buffer.concat([compiled.bytes, Buffer.from("\n")]));
    writeFileSync(join(staging, "launch.json"), canonicalDocument(launch));
    copySourceTree(tree, join(staging, "source"));
    for (const name of ARTIFACTS) {
      rmSync(join(dir, name), { recursive: true, force: true });
      renameSync(join(staging, name), join(dir, name));
    }
  } catch (err) {
    if (err instanceof MvmError) throw err;
    throw new MvmError("COMPILE_IO", `cannot write the artifacts to ${dir}: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, launch };
}

// Node's `mkdirSync(p, { recursive: true })` spins forever where mkdir answers ENOENT under an existing
// parent (e.g. `--out /proc/x`), so the chain is made one level at a time and fails cleanly instead.
function makeDirectoryChain(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d) && d !== dirname(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d);
}

let version: string | undefined;
function toolchainVersion(): string {
  version ??= String((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown }).version);
  return version;
}
