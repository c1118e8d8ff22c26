/**
 * The run path side by side in one run (DESIGN.md §7: ratios, these machines are noisy), on the seed's
 * Python hello-app behind the real daemon:
 * - boot-a-VM-per-invoke (what the original mvm does): up → invoke → down, each sample a fresh VM; its up
 *   part is the cold up-to-READY;
 * - a warm invoke round trip through the daemon API (one client, sequential) and as a whole `mvmctl invoke`
 *   process, p50/p99, with `node -e 0` beside it for the process cost;
 * - the daemon's memory per idle instance: (RSS with N up − RSS with 0 up) / N.
 * Usage: npx tsx bench/run.ts [perInvokeRuns=3] [warmInvokes=1000] [cliInvokes=30] [idleInstances=8] [--json]
 * CI runs it once with one or two samples per row (tests/e2e/bench-run.test.ts) as a smoke test.
 */
import { spawnSync } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { connectDaemon, type DaemonClient } from "@mvm/runtime";
import { daemonPid, MVMCTL, qemuUnder, ROOT, tempHome } from "../tests/e2e/run.test-helpers.ts";
import { formatMs, median, percentile } from "./stats.ts";

const args = process.argv.slice(2).filter((a) => a !== "--json");
const asJson = process.argv.includes("--json");
const PER_INVOKE_RUNS = Number(args[0] ?? 3);
const WARM_INVOKES = Number(args[1] ?? 1000);
const CLI_INVOKES = Number(args[2] ?? 30);
const IDLE_INSTANCES = Number(args[3] ?? 8);
const READY_TIMEOUT_MS = 600_000;

const home = await tempHome("bench-run");
process.env.MVM_HOME = home;
const log = (line: string) => process.stderr.write(`[bench/run] ${line}\n`);

/** The daemon's resident memory: the median of 5 reads a second apart (its heap breathes with GC). */
async function daemonRssBytes(): Promise<number> {
  const pid = await daemonPid(home);
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    reads.push(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return median(reads);
}

async function up(client: DaemonClient, name: string): Promise<number> {
  const t = performance.now();
  await client.request("up", { app: "hello-app", name, if_not_running: false, attach: false, ready_timeout_ms: READY_TIMEOUT_MS });
  return performance.now() - t;
}

const invokeHello = (client: DaemonClient, name: string) => client.request("invoke", { name, inputs: [{ name: "name", text: "ari" }] });

let client: DaemonClient | undefined;
try {
  log("mvmctl build examples/python/hello-app/app.py");
  const build = spawnSync(process.execPath, [MVMCTL, "build", `${ROOT}examples/python/hello-app/app.py`], { env: { ...process.env, MVM_HOME: home }, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`mvmctl build failed:\n${build.stderr}`);
  client = await connectDaemon(home, { launcher: [process.execPath, MVMCTL, "daemon", "run"] });

  // One full cycle first, so the daemon's code paths are loaded before its baseline RSS is read.
  log("warm-up cycle");
  await up(client, "warmup");
  await invokeHello(client, "warmup");
  await client.request("down", { names: ["warmup"], all: false });
  await new Promise((r) => setTimeout(r, 2_000));
  const rss0 = await daemonRssBytes();

  const coldUp: number[] = [];
  const perInvoke: number[] = [];
  for (let i = 0; i < PER_INVOKE_RUNS; i++) {
    log(`boot-a-VM-per-invoke ${i + 1}/${PER_INVOKE_RUNS}`);
    const t = performance.now();
    coldUp.push(await up(client, "per-invoke"));
    const r = await invokeHello(client, "per-invoke");
    if (r.value !== "hello ari") throw new Error(`unexpected result ${JSON.stringify(r.value)}`);
    await client.request("down", { names: ["per-invoke"], all: false });
    perInvoke.push(performance.now() - t);
  }

  log("warm instance");
  await up(client, "warm");
  for (let i = 0; i < 20; i++) await invokeHello(client, "warm"); // let TCG translate the hot path first
  const apiRtt: number[] = [];
  for (let i = 0; i < WARM_INVOKES; i++) {
    const t = performance.now();
    await invokeHello(client, "warm");
    apiRtt.push(performance.now() - t);
  }
  const timeProcess = (argv: string[]): number => {
    const t = performance.now();
    const r = spawnSync(process.execPath, argv, { env: { ...process.env, MVM_HOME: home }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
    return performance.now() - t;
  };
  const cliRtt: number[] = [];
  const nodeBare: number[] = [];
  for (let i = 0; i < CLI_INVOKES; i++) {
    cliRtt.push(timeProcess([MVMCTL, "invoke", "warm", "--input", "name=ari"]));
    nodeBare.push(timeProcess(["-e", "0"]));
  }

  log(`${IDLE_INSTANCES} idle instances`);
  for (let i = 1; i < IDLE_INSTANCES; i++) await up(client, `idle-${i}`);
  await new Promise((r) => setTimeout(r, 3_000));
  const rssN = await daemonRssBytes();
  const perInstanceMiB = (rssN - rss0) / IDLE_INSTANCES / 2 ** 20;

  const perInvokeMedian = median(perInvoke);
  const report = {
    host: { cpus: (await readFile("/proc/cpuinfo", "utf8")).match(/^processor/gm)?.length ?? 0, qemu: spawnSync("qemu-system-x86_64", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0] },
    cold_up_to_ready_ms: { median: median(coldUp), samples: coldUp },
    boot_per_invoke_ms: { median: perInvokeMedian, samples: perInvoke },
    warm_invoke_api_ms: { p50: median(apiRtt), p99: percentile(apiRtt, 99), samples: apiRtt.length },
    warm_invoke_cli_ms: { p50: median(cliRtt), p99: percentile(cliRtt, 99), samples: cliRtt.length },
    node_e_0_ms: { p50: median(nodeBare) },
    ratios: {
      warm_api_vs_boot_per_invoke: median(apiRtt) / perInvokeMedian,
      warm_cli_vs_boot_per_invoke: median(cliRtt) / perInvokeMedian,
      cli_invoke_vs_node_e_0: median(cliRtt) / median(nodeBare),
    },
    daemon_memory: { rss_0_mib: rss0 / 2 ** 20, rss_n_mib: rssN / 2 ** 20, instances: IDLE_INSTANCES, per_idle_instance_mib: perInstanceMiB, budget_mib: 5 },
  };
  if (asJson) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const r = report;
    process.stdout.write(
      `run path, seed hello-app (Python), ${r.host.cpus} CPUs, ${r.host.qemu}\n` +
        `  cold up to READY                 median ${formatMs(r.cold_up_to_ready_ms.median)}  (${coldUp.length} runs)\n` +
        `  boot a VM per invoke (up+invoke+down) median ${formatMs(perInvokeMedian)}\n` +
        `  warm invoke, daemon API          p50 ${formatMs(r.warm_invoke_api_ms.p50)}  p99 ${formatMs(r.warm_invoke_api_ms.p99)}  (${apiRtt.length} calls)\n` +
        `  warm invoke, mvmctl process      p50 ${formatMs(r.warm_invoke_cli_ms.p50)}  p99 ${formatMs(r.warm_invoke_cli_ms.p99)}  (${cliRtt.length} runs; node -e 0 p50 ${formatMs(r.node_e_0_ms.p50)})\n` +
        `  ratio warm API / boot-per-invoke     ${r.ratios.warm_api_vs_boot_per_invoke.toFixed(5)}  (goal <= 0.01)\n` +
        `  ratio mvmctl invoke / boot-per-invoke ${r.ratios.warm_cli_vs_boot_per_invoke.toFixed(4)}\n` +
        `  ratio mvmctl invoke / node -e 0       ${r.ratios.cli_invoke_vs_node_e_0.toFixed(2)}\n` +
        `  daemon RSS: ${r.daemon_memory.rss_0_mib.toFixed(1)} MiB with 0 up, ${r.daemon_memory.rss_n_mib.toFixed(1)} MiB with ${IDLE_INSTANCES} up → ${perInstanceMiB.toFixed(2)} MiB per idle instance (budget 5)\n`,
    );
  }
} finally {
  await client?.request("down", { names: [], all: true }).catch(() => undefined);
  await client?.request("stop").catch(() => undefined);
  client?.close();
  await new Promise((r) => setTimeout(r, 500));
  for (let pid = qemuUnder(home); pid !== undefined; pid = qemuUnder(home)) process.kill(pid, "SIGKILL");
  await rm(home, { recursive: true, force: true });
}
