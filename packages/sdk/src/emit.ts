import { writeFileSync, writeSync } from "node:fs";
import { canonicalDocument, MvmError, validateWorkload, workloadOf } from "@mvm/ir";
import { userCallSite } from "./call-site.ts";
import { inGuest } from "./guest-mode.ts";
import { sdkState } from "./state.ts";

/**
 * Prints the declared app's Workload IR as canonical JSON and one newline — to `MVM_SDK_OUT_PATH` when
 * set, else stdout. One IR per process: a second call does nothing, and inside an mvm image (`MVM_SDK_MODE=guest`)
 * no call does.
 * @example
 *   mvm.emitJson(); // last line of app.ts; run with `npx tsx app.ts`
 */
export function emitJson(): void {
  const state = sdkState();
  if (state.emitted || inGuest()) return;
  if (!state.app) {
    throw new MvmError("DECL_NO_APP", "emitJson() was called before any mvm.app(...) declaration", "declare the app with mvm.app({...})(fn) first").at(userCallSite());
  }
  const document = canonicalDocument(validateWorkload(workloadOf(state.app)));
  state.emitted = true;
  const outPath = process.env.MVM_SDK_OUT_PATH;
  if (outPath) writeFileSync(outPath, document);
  else writeAllSync(1, Buffer.from(document, "utf8"));
}

/** `MVM_SDK_MODE=emit`: print at exit if the script succeeded and nothing was emitted yet. */
export function installEmitAtExit(): void {
  const state = sdkState();
  if (state.exitHookInstalled || process.env.MVM_SDK_MODE !== "emit") return;
  state.exitHookInstalled = true;
  process.on("exit", (code) => {
    if (code !== 0 || state.emitted) return;
    try {
      emitJson();
    } catch (err) {
      const message = err instanceof MvmError ? err.format() : String(err);
      writeAllSync(2, Buffer.from(`${message}\n`, "utf8"));
      process.exitCode = 1;
    }
  });
}

// stdout may be a non-blocking pipe once the script has used console.log; retry partial writes.
function writeAllSync(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}
