/**
 * What the Sandbox API records in record mode, and the write at exit. The format is the contract with
 * `mvmctl compile` and is written down in packages/compiler/src/record-mode/RECORDING.md; the compiler
 * validates it on reading, so this side only has to write it faithfully.
 */
import { writeFileSync } from "node:fs";
import { MvmError } from "@mvm/ir";
import { userCallSite } from "../call-site.ts";

export const RECORDING_VERSION = 1;

/** Where in the script a call was made (1-based line, code-point column), when the stack shows it. */
export interface RecordedSite {
  line: number;
  column: number;
}

export type RecordedEvent =
  | { op: "commands.run"; cmd: string | string[]; at?: RecordedSite }
  | { op: "files.write"; path: string; bytes_b64: string; at?: RecordedSite }
  | { op: "kill"; at?: RecordedSite };

export interface RecordedSandbox {
  options: { [key: string]: unknown };
  at?: RecordedSite;
  events: RecordedEvent[];
}

interface RecordingState {
  sandboxes: RecordedSandbox[];
  exitHookInstalled: boolean;
}

// On globalThis, like the app state, so two loaded copies of mvm-sdk still write one recording.
const KEY = Symbol.for("mvm-sdk.recording");

function recordingState(): RecordingState {
  const holder = globalThis as { [KEY]?: RecordingState };
  holder[KEY] ??= { sandboxes: [], exitHookInstalled: false };
  return holder[KEY];
}

/** Refuses to pretend: outside `mvmctl compile` the Sandbox API has no sandbox to talk to. */
export function assertRecording(): void {
  if (process.env.MVM_SDK_MODE === "record") return;
  throw new MvmError("RECORD_NOT_RECORDING", "the mvm Sandbox API only records a workload; it does not run commands by itself",
    "compile the script instead: mvmctl compile script.ts (it runs the script with MVM_SDK_MODE=record)");
}

/** The caller's position in the script, for diagnostics the compiler prints against the recording. */
export function callerSite(): RecordedSite | undefined {
  const site = userCallSite();
  return site ? { line: site.line, column: site.column } : undefined;
}

/** Starts recording one sandbox; the recording is written when the script exits successfully. */
export function recordSandbox(options: { [key: string]: unknown }, at: RecordedSite | undefined): { sandbox: RecordedSandbox; index: number } {
  const state = recordingState();
  const sandbox: RecordedSandbox = at ? { options, at, events: [] } : { options, events: [] };
  state.sandboxes.push(sandbox);
  installWriteAtExit(state);
  return { sandbox, index: state.sandboxes.length - 1 };
}

function installWriteAtExit(state: RecordingState): void {
  if (state.exitHookInstalled) return;
  state.exitHookInstalled = true;
  process.on("exit", (code) => {
    if (code !== 0) return;
    const document = `${JSON.stringify({ recording_version: RECORDING_VERSION, sandboxes: state.sandboxes })}\n`;
    const outPath = process.env.MVM_SDK_OUT_PATH;
    if (outPath) writeFileSync(outPath, document);
    else process.stdout.write(document);
  });
}
