/**
 * @module Record mode (SEED.md "TypeScript runner"): for a TS/JS script that uses the Sandbox API instead of
 * `mvm.app`, run it under tsx/bun/deno with MVM_SDK_MODE=record, read the recording it leaves (RECORDING.md)
 * and lower it into a Workload. This is the one compile route that runs user code, and it says so first.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { MvmError, type Workload } from "@mvm/ir";
import { lowerRecording } from "./lower-recording.ts";
import { parseRecording } from "./recording-schema.ts";
import { resolveRunner } from "./runner.ts";
import { formatTail, runScript } from "./run-script.ts";

export { resolveRunner, RUNNER_INSTALL_HINT, type ResolvedRunner, type RunnerName, type RunnerSource } from "./runner.ts";

export interface RecordOptions {
  /** Where ./node_modules/.bin runners are looked up, and the script's working directory. */
  cwd: string;
  /** The runner's environment (default process.env); MVM_SDK_MODE and MVM_SDK_OUT_PATH are set on top. */
  env?: NodeJS.ProcessEnv;
  /** Lines for stderr: that the script will run, with which runner, and the recording's sha256. */
  onNotice?: (line: string) => void;
  /** Deadline for the script (default 5 minutes). */
  timeoutMs?: number;
}

export interface RecordResult {
  workload: Workload;
  /** Lowercase hex sha256 of the recording's bytes, as printed. */
  recordingSha256: string;
  /** Where the recording was left (a temp directory), for inspection. */
  recordingPath: string;
}

// A recording holds the files the script wrote, base64; past this it is not a declaration any more.
const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

export async function recordWorkload(file: string, options: RecordOptions): Promise<RecordResult> {
  const env = options.env ?? process.env;
  const notice = options.onNotice ?? (() => {});
  const runner = resolveRunner({ cwd: options.cwd, env });
  notice(`${basename(file)} has no mvm.app(...) but uses Sandbox: running it in record mode with ${runner.path} (${runner.source})`);
  const recordingPath = join(mkdtempSync(join(tmpdir(), "mvm-record-")), "recording.json");
  const { output } = await runScript({ runner, script: file, cwd: options.cwd, env, outPath: recordingPath, timeoutMs: options.timeoutMs ?? 300_000 });
  const bytes = readRecording(recordingPath, output);
  const recordingSha256 = createHash("sha256").update(bytes).digest("hex");
  notice(`recording sha256 ${recordingSha256} (${recordingPath})`);
  const recording = parseRecording(bytes, recordingPath);
  const workload = lowerRecording(recording, { file, fileStem: fileStem(file) });
  return { workload, recordingSha256, recordingPath };
}

function readRecording(path: string, output: string): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new MvmError("COMPILE_RECORD_FAILED", `the script exited cleanly but left no recording${formatTail(output)}`,
      'record mode needs the mvm-sdk Sandbox API: import { Sandbox } from "mvm-sdk" and call Sandbox.create(...)', { cause: err });
  }
  if (size > MAX_RECORDING_BYTES) {
    throw new MvmError("COMPILE_RECORD_FAILED", `the recording is ${size} bytes, more than the ${MAX_RECORDING_BYTES} record mode reads`);
  }
  return readFileSync(path);
}

/** As the SDK and the static front ends compute it: the base name up to its first dot. */
function fileStem(file: string): string {
  const base = basename(file);
  const dot = base.indexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}
