// `mvmctl bench` as CI's smoke test: one run with one or two samples per row, so every scenario keeps working.
// The figures are reported by full runs (docs/bench.md), never asserted: only that each row has them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MVMCTL, ROOT } from "./run.test-helpers.ts";

const ROWS = [
  "clone_up_vs_cold_up", "warm_invoke_vs_boot_per_invoke", "cli_invoke_vs_node", "cli_version_vs_node", "compile_vs_python",
  "cold_boot_vs_bare_qemu", "cached_rebuild_vs_cold_build", "memory_per_idle_instance", "parallel_clones",
];

test("mvmctl bench runs every scenario side by side and reports each row with its host", () => {
  const r = spawnSync(process.execPath, [MVMCTL, "bench", "--samples", "2", "--warmups", "0", "--heavy-samples", "1", "--idle", "2",
    "--parallel", "4", "--warm-invokes", "20", "--json"], { cwd: ROOT, encoding: "utf8", timeout: 1_500_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    host: { cpu: string; accelerator: string; qemu: string };
    failures: unknown[];
    rows: { id: string; a: { summary: { n: number; median: number; p95: number } }; b?: { summary: { median: number } }; ratio?: number }[];
  };
  assert.deepEqual(report.failures, []);
  assert.ok(report.host.cpu && report.host.accelerator && /QEMU/.test(report.host.qemu), JSON.stringify(report.host));
  assert.deepEqual(report.rows.map((row) => row.id), ROWS);
  for (const row of report.rows) {
    assert.ok(row.a.summary.n >= 1 && Number.isFinite(row.a.summary.median) && Number.isFinite(row.a.summary.p95), row.id);
    if (row.b) assert.ok(Number.isFinite(row.b.summary.median) && Number.isFinite(row.ratio ?? Number.NaN), row.id);
  }
});
