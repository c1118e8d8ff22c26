import type { ReadyInfo } from "../channel/index.ts";
import type { StartTimings } from "./state.ts";

type AgentPhases = Pick<StartTimings, "kernel_ms" | "configure_wait_ms" | "before_start_ms" | "runner_import_ms" | "after_start_ms">;

/**
 * The agent's own phase timings from its READY event, and the kernel's share: the guest's uptime at READY
 * minus those phases (kernel boot plus the agent's start). Empty when the agent reports no phases.
 */
export function agentTimings(info: ReadyInfo | undefined): AgentPhases {
  const phases = info && "timings" in info ? (info as { timings?: unknown }).timings : undefined;
  if (typeof phases !== "object" || phases === null) return {};
  const read = (k: string): number | undefined => {
    const v = (phases as Record<string, unknown>)[k];
    return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const out: AgentPhases = {
    configure_wait_ms: read("configure_wait_ms"), before_start_ms: read("before_start_ms"),
    runner_import_ms: read("runner_import_ms"), after_start_ms: read("after_start_ms"),
  };
  const agentMs = (out.configure_wait_ms ?? 0) + (out.before_start_ms ?? 0) + (out.runner_import_ms ?? 0) + (out.after_start_ms ?? 0);
  if (info) out.kernel_ms = Math.max(0, info.uptimeMs - agentMs);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as AgentPhases;
}

/** `vmm 25 ms · kernel 0.6 s · …`, as `up` prints it. */
export function formatTimings(t: StartTimings): string {
  const ms = (v: number) => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
  const parts: [string, number | undefined][] = [
    ["vmm", t.vmm_start_ms], ["kernel", t.kernel_ms], ["configure", t.configure_wait_ms], ["before_start", t.before_start_ms],
    ["runner import", t.runner_import_ms], ["after_start", t.after_start_ms],
  ];
  const shown = parts.filter((p): p is [string, number] => p[1] !== undefined).map(([k, v]) => `${k} ${ms(v)}`);
  if (t.kernel_ms === undefined) shown.push(`boot to READY ${ms(t.boot_to_ready_ms)}`);
  return `${ms(t.total_ms)} (${shown.join(" · ")})`;
}
