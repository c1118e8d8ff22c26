/**
 * The run path on the seed's hello-app through the daemon API, side by side: a clone's `up` to READY vs a cold
 * `up` to READY (each sample a fresh instance: up, one invoke, down — so each cycle is also a VM per invoke),
 * then a warm invoke's round trip on a running instance.
 */
import { ratioRow, type Row } from "../report.ts";
import { sideBySide, type SamplePlan } from "../sampling.ts";
import { summarize } from "../stats.ts";
import { down, invokeHello, upTimed, type Workspace } from "../workspace.ts";

interface Cycle {
  upMs: number;
  totalMs: number;
}

async function cycle(ws: Workspace, name: string, cold: boolean): Promise<Cycle> {
  const t = performance.now();
  const upMs = await upTimed(ws, name, cold);
  await invokeHello(ws, name);
  await down(ws, name);
  return { upMs, totalMs: performance.now() - t };
}

export async function runPathRows(ws: Workspace, plan: SamplePlan, heavy: SamplePlan, warmInvokes: number): Promise<{ rows: Row[]; cloneUpMs: number[] }> {
  ws.log("making the seed's snapshot template (one cold boot of a template VM)");
  await upTimed(ws, "bench-prepare", false);
  await down(ws, "bench-prepare");
  ws.log(`clone up vs cold up, ${heavy.samples} cycles each (up, invoke, down) after ${heavy.warmups} warm-ups`);
  const cycles = await sideBySide(heavy, () => cycle(ws, "bench-clone", false), () => cycle(ws, "bench-cold", true),
    (done, total) => ws.log(`  cycle ${done}/${total}`));
  const cloneUp = summarize(cycles.a.map((c) => c.upMs));
  const coldUp = summarize(cycles.b.map((c) => c.upMs));
  const perInvoke = summarize(cycles.b.map((c) => c.totalMs));
  const clonePerInvoke = summarize(cycles.a.map((c) => c.totalMs));

  ws.log(`warm invoke round trips: ${warmInvokes} after 20 unmeasured`);
  await upTimed(ws, "bench-warm", false);
  for (let i = 0; i < 20; i++) await invokeHello(ws, "bench-warm"); // TCG translates the hot path first
  const warm: number[] = [];
  for (let i = 0; i < Math.max(plan.samples, warmInvokes); i++) {
    const t = performance.now();
    await invokeHello(ws, "bench-warm");
    warm.push(performance.now() - t);
  }
  const warmSummary = summarize(warm);
  return {
    cloneUpMs: cycles.a.map((c) => c.upMs),
    rows: [
      ratioRow("clone_up_vs_cold_up", "clone up to READY vs cold up to READY", { label: "clone", summary: cloneUp }, { label: "cold", summary: coldUp }, 0.05),
      ratioRow("warm_invoke_vs_boot_per_invoke", "warm invoke (daemon API) vs boot a VM per invoke",
        { label: "warm invoke", summary: warmSummary }, { label: "cold up+invoke+down", summary: perInvoke }, 0.01,
        { warm_p50_goal: "<= 2 ms under TCG", clone_up_invoke_down: clonePerInvoke.median }, warmSummary.median <= 2),
    ],
  };
}
