/**
 * Host memory per idle instance with N up, clones and cold boots (QEMU's PSS, plus the daemon's growth / N),
 * and M clones started in parallel: all READY, the wall time against one clone's up.
 */
import type { Row } from "../report.ts";
import { summarize } from "../stats.ts";
import { APP, daemonRssBytes, pssBytes, READY_TIMEOUT_MS, type Workspace } from "../workspace.ts";

const MIB = 2 ** 20;

async function upMany(ws: Workspace, names: string[], cold: boolean, concurrency: number): Promise<void> {
  const queue = [...names];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      await ws.client.request("up", { app: APP, name, if_not_running: false, attach: false, ready_timeout_ms: READY_TIMEOUT_MS, ...(cold ? { cold: true } : {}) });
    }
  }));
}

/** (sum of QEMU PSS + daemon growth) / N, after the instances settle. */
async function perInstanceMiB(ws: Workspace, names: string[], baseRss: number): Promise<{ perInstance: number; pss: number[]; daemonGrowth: number }> {
  await new Promise((r) => setTimeout(r, 3_000));
  const { instances } = await ws.client.request("ps");
  const pids = instances.filter((i) => names.includes(i.name) && i.pid !== null).map((i) => i.pid!);
  const pss = await Promise.all(pids.map(pssBytes));
  const daemonGrowth = Math.max(0, (await daemonRssBytes(ws)) - baseRss);
  return { perInstance: (pss.reduce((a, b) => a + b, 0) + daemonGrowth) / names.length / MIB, pss: pss.map((p) => p / MIB), daemonGrowth: daemonGrowth / MIB };
}

export async function densityRows(ws: Workspace, idle: number, parallel: number, oneCloneMs: number[]): Promise<Row[]> {
  await ws.client.request("down", { names: [], all: true });
  const baseRss = await daemonRssBytes(ws);
  const cloneNames = Array.from({ length: idle }, (_, i) => `bench-idle-clone-${i}`);
  ws.log(`${idle} idle clones`);
  await upMany(ws, cloneNames, false, 1);
  const clones = await perInstanceMiB(ws, cloneNames, baseRss);
  await ws.client.request("down", { names: cloneNames, all: false });
  const coldNames = Array.from({ length: idle }, (_, i) => `bench-idle-cold-${i}`);
  ws.log(`${idle} idle cold-booted instances (two boots at a time)`);
  await upMany(ws, coldNames, true, 2);
  const colds = await perInstanceMiB(ws, coldNames, baseRss);
  await ws.client.request("down", { names: coldNames, all: false });

  ws.log(`${parallel} clones started at once`);
  const names = Array.from({ length: parallel }, (_, i) => `bench-par-${i}`);
  const t = performance.now();
  await upMany(ws, names, false, parallel);
  const wall = performance.now() - t;
  const { instances } = await ws.client.request("ps");
  const ready = instances.filter((i) => names.includes(i.name) && i.state.kind === "ready").length;
  await ws.client.request("down", { names, all: false });
  const one = summarize(oneCloneMs);
  return [
    {
      id: "memory_per_idle_instance", scenario: `host memory per idle instance with ${idle} up (QEMU PSS + daemon growth / ${idle})`,
      a: { label: "clone", summary: summarize([clones.perInstance]), unit: "MiB" }, b: { label: "cold", summary: summarize([colds.perInstance]), unit: "MiB" },
      ratio: clones.perInstance / colds.perInstance, goal: "clone <= 32 MiB; cold <= 160 MiB", meets: clones.perInstance <= 32 && colds.perInstance <= 160,
      details: { clone_daemon_growth_mib: clones.daemonGrowth, cold_daemon_growth_mib: colds.daemonGrowth, clone_qemu_pss_median_mib: summarize(clones.pss).median, cold_qemu_pss_median_mib: summarize(colds.pss).median },
    },
    {
      id: "parallel_clones", scenario: `${parallel} clones started in parallel: all READY, wall time vs one clone`,
      a: { label: `${parallel} at once`, summary: summarize([wall]) }, b: { label: "one clone", summary: one }, ratio: wall / one.median,
      details: { ready: `${ready}/${parallel}` },
      ...(ready === parallel ? {} : { meets: false, goal: "all READY" }),
    },
  ];
}
