/** One row of the bench table (the scenarios of issue #11), and how the table and the JSON are written. */
import { formatMs, type Summary } from "./stats.ts";
import type { HostFingerprint } from "./host.ts";

export interface Side {
  label: string;
  /** Milliseconds, unless `unit` says otherwise. */
  summary: Summary;
  unit?: "ms" | "MiB";
}

export interface Row {
  id: string;
  scenario: string;
  a: Side;
  b?: Side;
  /** a.median / b.median. */
  ratio?: number;
  goal?: string;
  /** Whether every goal of the row is met; undefined for rows that only report. */
  meets?: boolean;
  /** Further figures of the row (e.g. an absolute goal, a related measurement). */
  details?: Record<string, number | string>;
}

export interface BenchReport {
  host: HostFingerprint;
  plan: { samples: number; warmups: number; heavy_samples: number; idle_instances: number; parallel_clones: number };
  rows: Row[];
  /** Scenarios that could not run, and why. */
  failures: { id: string; error: string }[];
  duration_ms: number;
}

export function ratioRow(id: string, scenario: string, a: Side, b: Side, goalMax: number | undefined, details?: Row["details"], extraOk = true): Row {
  const ratio = a.summary.median / b.summary.median;
  return {
    id, scenario, a, b, ratio, ...(goalMax === undefined ? {} : { goal: `<= ${goalMax}x`, meets: ratio <= goalMax && extraOk }),
    ...(details ? { details } : {}),
  };
}

function value(side: Side, v: number): string {
  return side.unit === "MiB" ? `${v.toFixed(1)} MiB` : formatMs(v);
}

function sideText(side: Side): string {
  return `${side.label}: ${value(side, side.summary.median)} (p95 ${value(side, side.summary.p95)}, n=${side.summary.n})`;
}

export function formatTable(report: BenchReport): string {
  const h = report.host;
  const lines = [
    `mvm bench — ${h.date}`,
    `host: ${h.cpu}, ${h.cpus} CPUs, ${h.memory_gib} GiB; ${h.accelerator} (${h.accelerator_reason}); ${h.qemu}; kernel ${h.host_kernel}; node ${h.node}; load ${h.load_average.join(" ")}`,
    `plan: ${report.plan.samples} samples after ${report.plan.warmups} warm-ups (${report.plan.heavy_samples} for rows that boot or build); medians, p95`,
    "",
  ];
  const table = [["scenario", "measured (median, p95, n)", "ratio", "goal", "meets"]];
  for (const r of report.rows) {
    table.push([r.scenario, [sideText(r.a), r.b ? sideText(r.b) : ""].filter(Boolean).join("  vs  "),
      r.ratio === undefined ? "-" : r.ratio < 0.1 ? r.ratio.toFixed(4) : r.ratio.toFixed(2), r.goal ?? "report", r.meets === undefined ? "-" : r.meets ? "yes" : "NO"]);
    if (r.details) table.push([`  ${Object.entries(r.details).map(([k, v]) => `${k} ${typeof v === "number" ? (k.endsWith("_mib") ? `${v.toFixed(1)}` : formatMs(v)) : v}`).join(" · ")}`, "", "", "", ""]);
  }
  const widths = table[0]!.map((_, col) => Math.max(...table.filter((r) => !r[0]!.startsWith("  ")).map((r) => r[col]!.length)));
  for (const row of table) {
    lines.push(row[0]!.startsWith("  ") ? row[0]! : row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  "));
  }
  for (const f of report.failures) lines.push(`FAILED ${f.id}: ${f.error}`);
  lines.push("", `took ${formatMs(report.duration_ms)}`);
  return `${lines.join("\n")}\n`;
}
