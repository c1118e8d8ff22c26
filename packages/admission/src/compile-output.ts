/**
 * Reading a compile output (`mvmctl compile --out DIR`) and proving its three artifacts still agree:
 * workload.json hashes to launch.json's ir_hash, source/ to its tree_hash, and what launch.json derives from
 * the IR equals the IR. Done in two steps, so admission can judge the raw bytes against a signature before
 * anything in them is parsed: `readArtifact` reads and digests, `checkCompileOutput` parses and compares.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ARTIFACT_FORMAT_VERSION, Launch, MvmError, parseWith, validateWorkload, type App, type Workload } from "@mvm/ir";
import { launchDisagreements } from "./launch-agreement.ts";
import { hashSourceTree, type HashedTree } from "./source-tree.ts";

/** The three artifacts `compile --out DIR` writes, by their names in DIR. */
export const WORKLOAD_FILE = "workload.json";
export const LAUNCH_FILE = "launch.json";
export const SOURCE_DIR = "source";

/** The digests a signature covers and a manifest records, keyed as the files are named in DIR. */
export interface ArtifactDigests {
  /** sha256 of workload.json as written (the IR bytes and their newline). */
  "workload.json": string;
  /** sha256 of launch.json as written. */
  "launch.json": string;
  /** The tree hash of source/ (LaunchSource's recipe). */
  "source/": string;
}

/** A compile output's bytes as found, digested, not yet parsed or trusted. */
export interface ArtifactFiles {
  dir: string;
  workloadBytes: Buffer;
  launchBytes: Buffer;
  sourceDir: string;
  tree: HashedTree;
  digests: ArtifactDigests;
}

/** A compile output whose artifacts agree with one another. */
export interface CompileOutput extends ArtifactFiles {
  launch: Launch;
  workload: Workload;
  app: App;
  irHash: string;
  treeHash: string;
}

const recompile = (dir: string) => `recompile the app: mvmctl compile APP_FILE --out ${dir} (or build the app file directly: mvmctl build APP_FILE)`;

function notCompileOutput(dir: string, why: string): MvmError {
  return new MvmError("BUILD_NOT_COMPILE_OUTPUT", `${dir} is not a compile output: ${why}`, recompile(dir));
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Reads DIR's three artifacts and digests them; BUILD_NOT_COMPILE_OUTPUT when one is missing. */
export async function readArtifact(dirArg: string): Promise<ArtifactFiles> {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw notCompileOutput(dir, "no such directory");
  const expected: [string, "file" | "directory"][] = [[WORKLOAD_FILE, "file"], [LAUNCH_FILE, "file"], [SOURCE_DIR, "directory"]];
  const missing = expected
    .filter(([name, kind]) => !existsSync(join(dir, name)) || statSync(join(dir, name)).isDirectory() !== (kind === "directory"))
    .map(([name, kind]) => `${name}${kind === "directory" ? "/" : ""}`);
  if (missing.length) throw notCompileOutput(dir, `it has no ${missing.join(", no ")}`);
  const workloadBytes = await readFile(join(dir, WORKLOAD_FILE));
  const launchBytes = await readFile(join(dir, LAUNCH_FILE));
  const sourceDir = join(dir, SOURCE_DIR);
  const tree = await hashSourceTree(sourceDir);
  return {
    dir, workloadBytes, launchBytes, sourceDir, tree,
    digests: { "workload.json": sha256(workloadBytes), "launch.json": sha256(launchBytes), "source/": tree.hash },
  };
}

function parseJson(bytes: Buffer, path: string, dir: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new MvmError("BUILD_NOT_COMPILE_OUTPUT", `${path} is not JSON: ${(err as Error).message}`, recompile(dir), { cause: err });
  }
}

/** Parses the artifacts and proves they agree; every refusal names the file, the hashes and the fix. */
export function checkCompileOutput(files: ArtifactFiles): CompileOutput {
  const { dir } = files;
  const launchPath = join(dir, LAUNCH_FILE);
  const launchJson = parseJson(files.launchBytes, launchPath, dir);
  const format = (launchJson as { artifact_format_version?: unknown } | null)?.artifact_format_version;
  if (format !== ARTIFACT_FORMAT_VERSION) {
    throw notCompileOutput(dir, `${launchPath} has artifact_format_version ${JSON.stringify(format)}; this mvmctl reads ${ARTIFACT_FORMAT_VERSION}`);
  }
  const launch = parseWith(Launch, launchJson, launchPath);

  const workloadPath = join(dir, WORKLOAD_FILE);
  const bytes = files.workloadBytes;
  const body = bytes.at(-1) === 0x0a ? bytes.subarray(0, -1) : bytes;
  const irHash = sha256(body);
  if (irHash !== launch.ir_hash) {
    throw new MvmError("BUILD_IR_HASH_MISMATCH",
      `${workloadPath} hashes to ${irHash}, but ${launchPath} records ir_hash ${launch.ir_hash}: the IR was changed after compile`, recompile(dir));
  }
  const workload = validateWorkload(parseJson(body, workloadPath, dir));
  const app = workload.apps[0] as App;
  if (workload.id !== launch.workload_id || app.name !== launch.workload_id) {
    throw notCompileOutput(dir, `${workloadPath} declares "${app.name}" but ${launchPath} is for "${launch.workload_id}"`);
  }

  const differing = launchDisagreements(launch, app);
  if (differing.length) {
    throw new MvmError("BUILD_LAUNCH_MISMATCH",
      `${launchPath} does not match ${workloadPath}: ${differing.join(", ")} differ (launch.json was changed after compile)`, recompile(dir));
  }

  const { tree } = files;
  if (tree.hash !== launch.source.tree_hash) {
    throw new MvmError("BUILD_TREE_HASH_MISMATCH",
      `${files.sourceDir}/ hashes to ${tree.hash} (${tree.fileCount} files), but ${launchPath} records tree_hash ${launch.source.tree_hash} ` +
        `(${launch.source.file_count} files): the source was changed after compile`, recompile(dir));
  }
  return { ...files, launch, workload, app, irHash, treeHash: tree.hash };
}

/** `readArtifact` then `checkCompileOutput`: a compile output whose artifacts agree. */
export async function readCompileOutput(dir: string): Promise<CompileOutput> {
  return checkCompileOutput(await readArtifact(dir));
}
