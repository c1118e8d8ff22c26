// bench/run.ts as CI's smoke test: one sample per row and two idle instances, so the bench keeps working;
// the figures themselves are reported by hand runs (docs/run.md), never asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ROOT } from "./run.test-helpers.ts";

test("bench/run.ts runs end to end and reports every row", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", "1", "20", "2", "2", "--json"], { cwd: ROOT, encoding: "utf8", timeout: 900_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
  for (const row of ["cold_up_to_ready_ms", "boot_per_invoke_ms", "warm_invoke_api_ms", "warm_invoke_cli_ms", "ratios", "daemon_memory"]) {
    assert.ok(report[row], `the report has ${row}`);
  }
  for (const value of Object.values(report.ratios!)) assert.ok(Number.isFinite(value) && value > 0);
});
