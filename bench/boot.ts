/**
 * Boot time through our QEMU backend vs the bare `qemu-system-x86_64` command line (RUNTIME-NOTES.md
 * Appendix A) for the same kernel and the same ext4 image, runs interleaved in one process, medians
 * and the ratio. The guest's /init prints a marker and reboots; both sides time spawn → marker seen.
 * Then the same comparison to agent READY on the boot smoke image (the image `mvmctl build` makes for
 * tests/e2e/fixtures/boot-smoke/app.py: Python, agent, hooks like the seed's),
 * and ping round trips over the channel (p50/p99).
 * Usage: npx tsx bench/boot.ts [runs=10] [readyRuns=5] [pings=1000]
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { HOST_BUSYBOX, mkExt4, resolveGuestKernel, throttleProgress } from "@mvm/builder";
import { connectChannel, type ChannelClient } from "@mvm/runtime";
import { AGENT_PATH } from "@mvm/guest";
import { hostTscKhz, QemuBackend, QEMU_BINARY, type VmSpec } from "@mvm/vmm";
import { buildSmokeApp } from "../tests/e2e/smoke-app.test-helpers.ts";
import { formatMs, median, percentile } from "./stats.ts";

const RUNS = Number(process.argv[2] ?? 10);
const READY_RUNS = Number(process.argv[3] ?? 5);
const PINGS = Number(process.argv[4] ?? 1000);
const MARKER = "MVM-BENCH-INIT";

const kernel = await resolveGuestKernel(throttleProgress((e) => process.stderr.write(`[kernel] ${e.phase} ${e.message ?? ""}\n`)));
if (kernel.flavour !== "mvm") throw new Error("bench/boot.ts compares command lines for the mvm kernel; unset MVM_KERNEL_FALLBACK");
const work = await mkdtemp(join(tmpdir(), "mvm-bench-boot-"));
const root = join(work, "root");
for (const d of ["bin", "dev", "proc"]) await mkdir(join(root, d), { recursive: true });
await copyFile(HOST_BUSYBOX, join(root, "bin/busybox"));
await symlink("busybox", join(root, "bin/sh"));
await writeFile(join(root, "init"), `#!/bin/sh\necho ${MARKER}\n/bin/busybox reboot -f\n`, { mode: 0o755 });
const image = join(work, "root.ext4");
await mkExt4(root, image);

/** Appendix A's cold-boot command, console on stdout, no QMP; with a channel socket when given. */
function bareArgv(rootfs = image, init = "/init", channelSocket?: string): string[] {
  const channel = channelSocket
    ? ["-device", "virtio-serial-device", "-chardev", `socket,id=c0,path=${channelSocket},server=on,wait=off`, "-device", "virtserialport,chardev=c0,name=mvm.agent"]
    : [];
  return [
    "-accel", "tcg", "-cpu", "max", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on,acpi=off", "-m", "256",
    "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot",
    "-kernel", kernel.vmlinux,
    "-append", `console=ttyS0 reboot=t panic=-1 tsc_early_khz=${hostTscKhz()} quiet no_timer_check noapictimer root=/dev/vda ro rootfstype=ext4 init=${init}`,
    "-drive", `id=root,file=${rootfs},format=raw,if=none,readonly=on`, "-device", "virtio-blk-device,drive=root",
    ...channel,
  ];
}

function bareBoot(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(QEMU_BINARY, bareArgv(), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let at = 0;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      if (!at && out.includes(MARKER)) at = performance.now() - start;
    });
    child.on("exit", () => (at ? resolve(at) : reject(new Error(`bare qemu exited without the marker:\n${out}`))));
  });
}

const backend = new QemuBackend();

/** The same machine both sides boot: 1 vCPU, 256 MiB, no network, the channel and QMP sockets in `dir`. */
function vmSpec(dir: string, rootfs: string, init?: string): VmSpec {
  return {
    kernel: { path: kernel.vmlinux, flavour: "mvm" },
    rootfs,
    ...(init ? { init } : {}),
    cpus: 1,
    memoryMb: 256,
    network: { mode: "none" },
    channel: { kind: "virtio-serial", socketPath: join(dir, "agent.sock") },
    consoleLog: join(dir, "console.log"),
    controlSocket: join(dir, "qmp.sock"),
  };
}

async function backendBoot(i: number): Promise<number> {
  const dir = join(work, `vm${i}`);
  await mkdir(dir);
  const start = performance.now();
  const vm = await backend.start(vmSpec(dir, image));
  await vm.waitForConsole(new RegExp(MARKER), { deadlineMs: 60_000, what: "the bench /init marker" });
  const ms = performance.now() - start;
  await vm.stop();
  return ms;
}

await backend.accelerator();
await bareBoot(); // warm the page cache for the kernel and image
const bare: number[] = [];
const ours: number[] = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(await bareBoot());
  ours.push(await backendBoot(i));
}
const ratio = median(ours) / median(bare);
process.stdout.write(
  `boot to /init marker, ${RUNS} interleaved runs each (kernel ${kernel.vmlinux}):\n` +
    `  bare qemu-system-x86_64   median ${formatMs(median(bare))}  (min ${formatMs(Math.min(...bare))}, max ${formatMs(Math.max(...bare))})\n` +
    `  mvm QemuBackend           median ${formatMs(median(ours))}  (min ${formatMs(Math.min(...ours))}, max ${formatMs(Math.max(...ours))})\n` +
    `  ratio backend / bare      ${ratio.toFixed(2)}\n`,
);

// --- boot to agent READY, and ping round trips ---
process.env.MVM_HOME = join(work, "home");
const smokeImage = (await buildSmokeApp(work)).imagePath;

async function untilReady(client: ChannelClient): Promise<void> {
  await client.hello();
  await client.configure({ instanceId: "bench", env: {} }); // built images await their configure (what `up` sends)
  await client.waitForReady(120_000);
}

async function bareReady(i: number): Promise<number> {
  const sock = join(work, `bare-ready${i}.sock`);
  const start = performance.now();
  const child = spawn(QEMU_BINARY, bareArgv(smokeImage, AGENT_PATH, sock), { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((r) => child.once("exit", r));
  const client = await connectChannel(sock, { deadlineMs: 30_000 });
  await untilReady(client);
  const ms = performance.now() - start;
  await client.shutdown().catch(() => undefined);
  await exited;
  return ms;
}

let pingRtts: number[] = [];
async function backendReady(i: number, measurePings: boolean): Promise<number> {
  const dir = join(work, `ready${i}`);
  await mkdir(dir);
  const start = performance.now();
  const vm = await backend.start(vmSpec(dir, smokeImage, AGENT_PATH));
  const client = await connectChannel(join(dir, "agent.sock"), { deadlineMs: 30_000 });
  await untilReady(client);
  const ms = performance.now() - start;
  if (measurePings) {
    for (let p = 0; p < 20; p++) await client.ping(); // let TCG translate the agent's hot path first
    pingRtts = [];
    for (let p = 0; p < PINGS; p++) {
      const t = performance.now();
      await client.ping();
      pingRtts.push(performance.now() - t);
    }
  }
  await vm.stop({ askGuest: async () => void (await client.shutdown()) });
  return ms;
}

const bareR: number[] = [];
const oursR: number[] = [];
for (let i = 0; i < READY_RUNS; i++) {
  bareR.push(await bareReady(i));
  oursR.push(await backendReady(i, i === READY_RUNS - 1));
}
await rm(work, { recursive: true, force: true });
process.stdout.write(
  `boot to agent READY (Python runner, after_start curl probe), ${READY_RUNS} interleaved runs each:\n` +
    `  bare qemu-system-x86_64   median ${formatMs(median(bareR))}  (min ${formatMs(Math.min(...bareR))}, max ${formatMs(Math.max(...bareR))})\n` +
    `  mvm QemuBackend           median ${formatMs(median(oursR))}  (min ${formatMs(Math.min(...oursR))}, max ${formatMs(Math.max(...oursR))})\n` +
    `  ratio backend / bare      ${(median(oursR) / median(bareR)).toFixed(2)}\n` +
    `ping round trip over the channel, ${PINGS} sequential pings after READY:\n` +
    `  p50 ${formatMs(percentile(pingRtts, 50))}  p99 ${formatMs(percentile(pingRtts, 99))}\n`,
);
