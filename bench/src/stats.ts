/** Medians and percentiles for bench reports; benches report ratios measured side by side in one run. */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** The nearest-rank percentile: a value that was measured, never an interpolation. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;
}

/** What a report keeps of one side of a row: n, median, p95 and the samples themselves. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  samples: number[];
}

export function summarize(samples: readonly number[]): Summary {
  return { n: samples.length, median: median(samples), p95: percentile(samples, 95), samples: samples.map((s) => Math.round(s * 1000) / 1000) };
}
