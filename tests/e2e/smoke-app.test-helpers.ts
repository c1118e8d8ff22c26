// The boot smoke image, made the way users make images: `mvmctl compile --out` then the builder's
// `buildApp` (what `mvmctl build` runs) into a given MVM_HOME. Used by boot-smoke.test.ts.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildApp, type ProgressFn, type RegisteredApp } from "@mvm/builder";
import { compileFile, writeArtifacts } from "@mvm/compiler";
import { hostAccelerator } from "@mvm/runtime";

export const SMOKE_APP_FILE = fileURLToPath(new URL("./fixtures/boot-smoke/app.py", import.meta.url));
export const BEFORE_STOP_MARKER = "MVM-SMOKE-BEFORE-STOP";

/** Compiles the smoke app into `work/out` and builds it into the registry of MVM_HOME (set by the caller). */
export async function buildSmokeApp(work: string, progress?: ProgressFn): Promise<RegisteredApp> {
  const out = join(work, "smoke-out");
  writeArtifacts(await compileFile(SMOKE_APP_FILE), out);
  const { app } = await buildApp(out, { accelerator: hostAccelerator, progress, toolchainVersion: "mvm tests" });
  return app;
}
