/**
 * Side by side: the two measurements of a ratio row alternate in one loop (A, B, A, B, …), after the same
 * warm-ups, so a machine that gets busier or quieter during the run moves both sides alike.
 */
export interface SamplePlan {
  warmups: number;
  samples: number;
}

export async function sideBySide<A, B>(
  plan: SamplePlan, a: () => Promise<A>, b: () => Promise<B>, onProgress?: (done: number, total: number) => void,
): Promise<{ a: A[]; b: B[] }> {
  for (let i = 0; i < plan.warmups; i++) {
    await a();
    await b();
  }
  const out = { a: [] as A[], b: [] as B[] };
  for (let i = 0; i < plan.samples; i++) {
    out.a.push(await a());
    out.b.push(await b());
    onProgress?.(i + 1, plan.samples);
  }
  return out;
}

/** Wall time of `fn` in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
