/**
 * @module @mvm/bench — `mvmctl bench` (also `npm run bench`): every scenario of issue #11 side by side in one
 * run, on the seed's Python hello-app, as ratios (these machines are noisy), with the host it ran on. Rows
 * that boot or build take `heavySamples`; the others `samples`, each after `warmups`.
 */
import { QemuBackend } from "@mvm/vmm";
import { hostAccelerator } from "@mvm/runtime";
import { hostFingerprint } from "./host.ts";
import type { BenchReport, Row } from "./report.ts";
import { bootRow } from "./scenarios/boot.ts";
import { buildRow } from "./scenarios/build.ts";
import { cliStartRows } from "./scenarios/cli-start.ts";
import { compileRow } from "./scenarios/compile.ts";
import { densityRows } from "./scenarios/density.ts";
import { runPathRows } from "./scenarios/run-path.ts";
import { openWorkspace } from "./workspace.ts";

export { formatTable, type BenchReport, type Row } from "./report.ts";

export interface BenchOptions {
  samples: number;
  warmups: number;
  heavySamples: number;
  /** Instances up at once for the memory row. */
  idleInstances: number;
  /** Clones started at once for the parallel row. */
  parallelClones: number;
  /** Warm invokes measured (at least `samples`). */
  warmInvokes: number;
  /** Only these row groups (run, cli, compile, boot, build, density); all when empty. */
  only: string[];
  log(line: string): void;
}

export const ROW_GROUPS = ["run", "cli", "compile", "boot", "build", "density"] as const;

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const want = (group: (typeof ROW_GROUPS)[number]) => options.only.length === 0 || options.only.includes(group);
  const plan = { samples: options.samples, warmups: options.warmups };
  const heavy = { samples: options.heavySamples, warmups: Math.min(options.warmups, 1) };
  const accel = await hostAccelerator(undefined);
  const backend = new QemuBackend({ accel });
  const rows: Row[] = [];
  const failures: BenchReport["failures"] = [];
  const attempt = async (id: string, fn: () => Promise<Row[]>) => {
    try {
      rows.push(...(await fn()));
    } catch (err) {
      options.log(`${id} failed: ${err instanceof Error ? err.message : String(err)}`);
      failures.push({ id, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const ws = await openWorkspace(options.log);
  try {
    let cloneUpMs: number[] = [];
    if (want("run") || want("cli") || want("density")) {
      await attempt("run", async () => {
        const r = await runPathRows(ws, plan, heavy, options.warmInvokes);
        cloneUpMs = r.cloneUpMs;
        return want("run") ? r.rows : [];
      });
    }
    if (want("cli")) await attempt("cli", () => cliStartRows(ws, plan));
    if (want("compile")) await attempt("compile", async () => [await compileRow(ws, plan)]);
    if (want("boot")) await attempt("boot", async () => [await bootRow(ws, plan, backend)]);
    if (want("build")) await attempt("build", async () => [await buildRow(ws, heavy)]);
    if (want("density")) await attempt("density", () => densityRows(ws, options.idleInstances, options.parallelClones, cloneUpMs));
  } finally {
    await ws.close();
  }
  return {
    host: hostFingerprint(accel),
    plan: { samples: plan.samples, warmups: plan.warmups, heavy_samples: heavy.samples, idle_instances: options.idleInstances, parallel_clones: options.parallelClones },
    rows, failures, duration_ms: performance.now() - started,
  };
}
