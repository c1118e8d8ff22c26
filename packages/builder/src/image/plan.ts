/**
 * What `mvmctl build DIR` builds: DIR must be an `mvmctl compile --out` output whose three artifacts still
 * agree — workload.json hashes to launch.json's ir_hash and source/ to its tree_hash — so an image is always
 * built from exactly what was compiled (and reviewed). Every refusal names the file and the fix.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  ARTIFACT_FORMAT_VERSION, canonicalJson, Launch, mergeHooks, MvmError, parseWith, validateWorkload, type App, type Workload,
} from "@mvm/ir";
import { sourceTreeHash } from "./source-tree-hash.ts";

export interface BuildInput {
  dir: string;
  launch: Launch;
  /** launch.json as written (part of the image's cache key). */
  launchBytes: Buffer;
  workload: Workload;
  app: App;
  irHash: string;
  treeHash: string;
  sourceDir: string;
}

const RECOMPILE = (dir: string) => `recompile the app: mvmctl compile APP_FILE --out ${dir} (or build the app file directly: mvmctl build APP_FILE)`;

function notCompileOutput(dir: string, why: string): MvmError {
  return new MvmError("BUILD_NOT_COMPILE_OUTPUT", `${dir} is not a compile output: ${why}`, RECOMPILE(dir));
}

async function readJson(path: string, dir: string): Promise<{ bytes: Buffer; json: unknown }> {
  const bytes = await readFile(path);
  try {
    return { bytes, json: JSON.parse(bytes.toString("utf8")) };
  } catch (err) {
    throw new MvmError("BUILD_NOT_COMPILE_OUTPUT", `${path} is not JSON: ${(err as Error).message}`, RECOMPILE(dir), { cause: err });
  }
}

/**
 * launch.json is not covered by ir_hash, so every field it derives from the IR is compared with the IR:
 * only the entrypoints' parameter lists (which the IR does not carry) are taken from launch.json alone.
 */
function launchDisagreements(launch: Launch, app: App): string[] {
  const withoutParams = (list: Launch["entrypoints"]) => list.map((e) => (e.kind === "function" ? (({ params: _p, ...rest }) => rest)(e) : e));
  const derived: [string, unknown, unknown][] = [
    ["image", launch.image, app.image],
    ["resources", launch.resources, app.resources],
    ["env", launch.env, app.env],
    ["network", launch.network, app.network],
    ["hooks", launch.hooks, mergeHooks(app.hooks, app.addons ?? [])],
    ["entrypoints", withoutParams(launch.entrypoints), app.entrypoints],
  ];
  const differing = derived.filter(([, a, b]) => canonicalJson(a) !== canonicalJson(b)).map(([name]) => name);
  const primary = launch.entrypoints.find((e) => e.kind === "command" || e.primary) ?? launch.entrypoints[0];
  if (canonicalJson(launch.entrypoint) !== canonicalJson(primary)) differing.push("entrypoint");
  return differing;
}

export async function readBuildInput(dirArg: string): Promise<BuildInput> {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw notCompileOutput(dir, "no such directory");
  const missing = [["workload.json", "file"], ["launch.json", "file"], ["source", "directory"]]
    .filter(([name, kind]) => !existsSync(join(dir, name as string)) || statSync(join(dir, name as string)).isDirectory() !== (kind === "directory"))
    .map(([name, kind]) => `${name}${kind === "directory" ? "/" : ""}`);
  if (missing.length) throw notCompileOutput(dir, `it has no ${missing.join(", no ")}`);

  const launchPath = join(dir, "launch.json");
  const { bytes: launchBytes, json: launchJson } = await readJson(launchPath, dir);
  const format = (launchJson as { artifact_format_version?: unknown } | null)?.artifact_format_version;
  if (format !== ARTIFACT_FORMAT_VERSION) {
    throw notCompileOutput(dir, `${launchPath} has artifact_format_version ${JSON.stringify(format)}; this mvmctl reads ${ARTIFACT_FORMAT_VERSION}`);
  }
  const launch = parseWith(Launch, launchJson, launchPath);

  const workloadPath = join(dir, "workload.json");
  const workloadBytes = await readFile(workloadPath);
  const body = workloadBytes.at(-1) === 0x0a ? workloadBytes.subarray(0, -1) : workloadBytes;
  const irHash = createHash("sha256").update(body).digest("hex");
  if (irHash !== launch.ir_hash) {
    throw new MvmError("BUILD_IR_HASH_MISMATCH",
      `${workloadPath} hashes to ${irHash}, but ${launchPath} records ir_hash ${launch.ir_hash}: the IR was changed after compile`, RECOMPILE(dir));
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw notCompileOutput(dir, `${workloadPath} is not JSON`);
  }
  const workload = validateWorkload(json);
  const app = workload.apps[0] as App;
  if (workload.id !== launch.workload_id || app.name !== launch.workload_id) {
    throw notCompileOutput(dir, `${workloadPath} declares "${app.name}" but ${launchPath} is for "${launch.workload_id}"`);
  }

  const differing = launchDisagreements(launch, app);
  if (differing.length) {
    throw new MvmError("BUILD_LAUNCH_MISMATCH",
      `${launchPath} does not match ${workloadPath}: ${differing.join(", ")} differ (launch.json was changed after compile)`, RECOMPILE(dir));
  }

  const sourceDir = join(dir, "source");
  const tree = await sourceTreeHash(sourceDir);
  if (tree.hash !== launch.source.tree_hash) {
    throw new MvmError("BUILD_TREE_HASH_MISMATCH",
      `${sourceDir}/ hashes to ${tree.hash} (${tree.fileCount} files), but ${launchPath} records tree_hash ${launch.source.tree_hash} ` +
        `(${launch.source.file_count} files): the source was changed after compile`, RECOMPILE(dir));
  }
  return { dir, launch, launchBytes, workload, app, irHash, treeHash: tree.hash, sourceDir };
}
