/**
 * `mvmctl build` of the seed's Python app: a cold build (an empty layer cache of its own — agent, Debian base
 * and image made — with the kernel already built and passed as MVM_KERNEL) vs a cached rebuild of the same
 * compile output (unchanged input: a cache hit), side by side, each the real CLI timed wall to wall.
 */
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveGuestKernel } from "@mvm/builder";
import { ratioRow, type Row } from "../report.ts";
import type { SamplePlan } from "../sampling.ts";
import { summarize } from "../stats.ts";
import { MVMCTL, runOk, SEED_APP, type Workspace } from "../workspace.ts";

export async function buildRow(ws: Workspace, heavy: SamplePlan): Promise<Row> {
  const kernel = await resolveGuestKernel();
  const cold: number[] = [];
  const cached: number[] = [];
  const total = heavy.warmups + heavy.samples;
  for (let i = 0; i < total; i++) {
    const run = await mkdtemp(join(tmpdir(), "mvm-bench-build-"));
    try {
      ws.log(`cold build vs cached rebuild ${i + 1}/${total}${i < heavy.warmups ? " (warm-up)" : ""}`);
      const env = { MVM_HOME: join(run, "home"), MVM_CACHE_DIR: join(run, "cache"), MVM_KERNEL: kernel.vmlinux, MVM_KERNEL_FLAVOUR: kernel.flavour };
      await mkdir(join(run, "app"));
      const appFile = join(run, "app", "app.py");
      await copyFile(SEED_APP, appFile);
      const mvmctl = (args: string[]) => runOk([process.execPath, MVMCTL, ...args], env);
      await mvmctl(["compile", appFile, "--out", join(run, "out")]);
      const first = await mvmctl(["build", join(run, "out"), "--json"]);
      const again = await mvmctl(["build", join(run, "out"), "--json"]);
      if (!(JSON.parse(again.stdout) as { cached: boolean }).cached) throw new Error("the rebuild of unchanged input was not a cache hit");
      if (i >= heavy.warmups) {
        cold.push(first.ms);
        cached.push(again.ms);
      }
    } finally {
      await rm(run, { recursive: true, force: true });
    }
  }
  return ratioRow("cached_rebuild_vs_cold_build", "cached rebuild vs cold build (empty layer cache, kernel built)",
    { label: "cached rebuild", summary: summarize(cached) }, { label: "cold build", summary: summarize(cold) }, 0.02);
}
