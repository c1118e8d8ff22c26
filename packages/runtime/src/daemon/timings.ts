import type { ReadyInfo } from "../channel/index.ts";
import type { StartTimings } from "./instance-state.ts";

type AgentPhases = Pick<StartTimings, "kernel_ms" | "configure_wait_ms" | "before_start_ms" | "runner_import_ms" | "after_start_ms">;

/**
 * The agent's own phase timings from its READY event, and the kernel's share: the guest's uptime at READY
 * minus those phases (kernel boot plus the agent's start). Empty when READY was seen by another daemon.
 */
export function agentTimings(info: ReadyInfo | undefined): AgentPhases {
  if (!info) return {};
  const t = info.timings;
  const agentMs = t.configure_wait_ms + t.before_start_ms + t.runner_import_ms + t.after_start_ms;
  return { kernel_ms: Math.max(0, info.uptimeMs - agentMs), ...t };
}

/** The timings of an `up` this daemon watched from spawn (ms timestamps) to READY. */
export function startTimings(spawnedAt: number, monitorAt: number, readyAt: number, info: ReadyInfo | undefined): StartTimings {
  return { vmm_start_ms: monitorAt - spawnedAt, boot_to_ready_ms: readyAt - monitorAt, total_ms: readyAt - spawnedAt, ...agentTimings(info) };
}

/**
 * `vmm 25 ms · kernel 0.6 s · …` for a cold boot (with why it was not a clone, when it could have been), or
 * `clone of template 1a2b3c4d5e6f · vmm 30 ms · restore 12 ms · sync + configure 40 ms` for a clone, as `up`
 * prints it.
 */
export function formatTimings(t: StartTimings): string {
  const ms = (v: number) => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
  const show = (parts: [string, number | undefined][]) => parts.filter((p): p is [string, number] => p[1] !== undefined).map(([k, v]) => `${k} ${ms(v)}`);
  if (t.template !== undefined) {
    const made = t.template_made_ms === undefined ? [] : [`template made in ${ms(t.template_made_ms)}`];
    const shown = show([["vmm", t.vmm_start_ms], ["restore", t.restore_ms], ["sync + configure", t.identity_ms]]);
    return `${ms(t.total_ms)} (${[...made, `clone of template ${t.template}`, ...shown].join(" · ")})`;
  }
  const shown = show([
    ["vmm", t.vmm_start_ms], ["kernel", t.kernel_ms], ["configure", t.configure_wait_ms], ["before_start", t.before_start_ms],
    ["runner import", t.runner_import_ms], ["after_start", t.after_start_ms],
  ]);
  if (t.kernel_ms === undefined) shown.push(`boot to READY ${ms(t.boot_to_ready_ms)}`);
  const cold = t.cold_reason && t.cold_reason !== "--cold" ? [`cold boot: ${t.cold_reason}`] : [];
  return `${ms(t.total_ms)} (${[...cold, ...shown].join(" · ")})`;
}