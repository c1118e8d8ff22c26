// Builds (or finds) the mvm kernel and prints its path: `npx tsx packages/builder/src/kernel/cli-build.ts`.
// Used by .ci/run to warm the cache before the tests; progress goes to stderr.
import { ensureMvmKernel } from "./build.ts";

const started = Date.now();
const entry = await ensureMvmKernel((e) => {
  const s = ((e.elapsedMs ?? Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[kernel ${s}s] ${e.phase}${e.message ? `: ${e.message}` : ""}\n`);
});
process.stdout.write(`${entry.vmlinux}\n`);
