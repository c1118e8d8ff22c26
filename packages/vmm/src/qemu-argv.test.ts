import { test } from "node:test";
import assert from "node:assert/strict";
import { MvmError } from "@mvm/ir";
import { hostTscKhz, chooseAccelerator } from "./accelerator.ts";
import type { VmSpec } from "./backend.ts";
import { kernelCmdline, qemuArgv } from "./qemu-argv.ts";

const tcg = { accel: "tcg" as const, reason: "test" };
const base: VmSpec = {
  kernel: { path: "/k/vmlinux", flavour: "mvm" },
  rootfs: "/img/root.ext4",
  cpus: 1,
  memoryMb: 256,
  network: { mode: "none" },
  channel: { kind: "virtio-serial", socketPath: "/run/x/agent.sock" },
  consoleLog: "/run/x/console.log",
  controlSocket: "/run/x/qmp.sock",
};

/** The value following `flag` in argv, for each occurrence. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []));
}

test("mvm kernel under TCG: microvm without ACPI, tcg accel, PVH kernel, read-only root, agent port, QMP", () => {
  const argv = qemuArgv(base, tcg, 2596122);
  assert.deepEqual(values(argv, "-accel"), ["tcg"]);
  assert.deepEqual(values(argv, "-cpu"), ["max"]);
  assert.deepEqual(values(argv, "-M"), ["microvm,x-option-roms=off,isa-serial=on,rtc=on,acpi=off"]);
  for (const flag of ["-nodefaults", "-no-user-config", "-nographic", "-no-reboot"]) assert.ok(argv.includes(flag), flag);
  assert.deepEqual(values(argv, "-kernel"), ["/k/vmlinux"]);
  assert.deepEqual(values(argv, "-drive"), ["id=root,file=/img/root.ext4,format=raw,if=none,readonly=on"]);
  assert.deepEqual(values(argv, "-device"), ["virtio-blk-device,drive=root", "virtio-serial-device", "virtserialport,chardev=agent,name=mvm.agent"]);
  assert.ok(values(argv, "-chardev").includes("socket,id=agent,path=/run/x/agent.sock,server=on,wait=off"));
  assert.ok(values(argv, "-chardev").includes("file,id=console,path=/run/x/console.log,append=on"));
  assert.deepEqual(values(argv, "-qmp"), ["unix:/run/x/qmp.sock,server=on,wait=off"]);
  assert.equal(values(argv, "-netdev").length, 0, "network none means no NIC at all");
  assert.equal(values(argv, "-initrd").length, 0);
});

test("cmdline under TCG carries tsc_early_khz, no_timer_check, noapictimer and the ext4 root", () => {
  const words = kernelCmdline({ ...base, kernelArgs: ["mvm.x=1"] }, tcg, 2596122);
  assert.deepEqual(words, [
    "console=ttyS0", "reboot=t", "panic=-1", "quiet", "tsc_early_khz=2596122", "no_timer_check", "noapictimer",
    "root=/dev/vda", "ro", "rootfstype=ext4", "init=/init", "mvm.x=1",
  ]);
});

test("a writable root (the builder VM) drops readonly=on and mounts rw; the default stays read-only", () => {
  const spec: VmSpec = { ...base, rootfsWritable: true };
  assert.deepEqual(values(qemuArgv(spec, tcg, null), "-drive"), ["id=root,file=/img/root.ext4,format=raw,if=none"]);
  const words = kernelCmdline(spec, tcg, null);
  assert.ok(words.includes("rw") && !words.includes("ro"), words.join(" "));
  assert.ok(kernelCmdline(base, tcg, null).includes("ro"));
});

test("Debian cloud kernel keeps ACPI, skips noapictimer, adds cryptomgr.notests and its initrd", () => {
  const spec: VmSpec = { ...base, kernel: { path: "/k/cloud", flavour: "debian-cloud", initrd: "/k/initrd.cpio" } };
  const argv = qemuArgv(spec, tcg, 1000);
  assert.deepEqual(values(argv, "-M"), ["microvm,x-option-roms=off,isa-serial=on,rtc=on"]);
  assert.deepEqual(values(argv, "-initrd"), ["/k/initrd.cpio"]);
  const words = kernelCmdline(spec, tcg, 1000);
  assert.ok(!words.includes("noapictimer"));
  assert.ok(words.includes("cryptomgr.notests"));
});

test("KVM: host CPU, no TSC or timer workarounds", () => {
  const kvm = { accel: "kvm" as const, reason: "test" };
  const argv = qemuArgv(base, kvm, 2596122);
  assert.deepEqual(values(argv, "-accel"), ["kvm"]);
  assert.deepEqual(values(argv, "-cpu"), ["host"]);
  const words = kernelCmdline(base, kvm, 2596122);
  for (const w of words) assert.ok(!/tsc_early_khz|noapictimer|no_timer_check/.test(w), w);
});

test("user networking forwards each port from 127.0.0.1 and configures the guest address", () => {
  const spec: VmSpec = { ...base, network: { mode: "user", ports: [{ guest: 8080, host: 18080, proto: "tcp" }, { guest: 53, host: 1053, proto: "udp" }] } };
  const argv = qemuArgv(spec, tcg, null);
  assert.deepEqual(values(argv, "-netdev"), ["user,id=net0,hostfwd=tcp:127.0.0.1:18080-:8080,hostfwd=udp:127.0.0.1:1053-:53"]);
  assert.ok(values(argv, "-device").includes("virtio-net-device,netdev=net0"));
  assert.ok(kernelCmdline(spec, tcg, null).includes("ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"));
});

test("initramfs-only VM has no root disk and no root= words; commas in paths are escaped", () => {
  const spec: VmSpec = { ...base, rootfs: undefined, consoleLog: "/tmp/a,b/console.log" };
  const argv = qemuArgv(spec, tcg, null);
  assert.equal(values(argv, "-drive").length, 0);
  assert.ok(!kernelCmdline(spec, tcg, null).some((w) => w.startsWith("root=")));
  assert.ok(values(argv, "-chardev").includes("file,id=console,path=/tmp/a,,b/console.log,append=on"));
});

const badSpecs: { name: string; spec: VmSpec }[] = [
  { name: "zero cpus", spec: { ...base, cpus: 0 } },
  { name: "more cpus than NR_CPUS", spec: { ...base, cpus: 9 } },
  { name: "too little memory", spec: { ...base, memoryMb: 16 } },
  { name: "a port out of range", spec: { ...base, network: { mode: "user", ports: [{ guest: 70000, host: 1, proto: "tcp" }] } } },
  { name: "a vsock channel", spec: { ...base, channel: { kind: "vsock", socketPath: "/x", guestCid: 3, port: 1 } } },
  { name: "a socket path longer than sun_path", spec: { ...base, controlSocket: `/${"x".repeat(200)}/qmp.sock` } },
  { name: "a kernel argument with a space", spec: { ...base, kernelArgs: ["a b"] } },
];
for (const c of badSpecs) {
  test(`rejects ${c.name} with BOOT_BAD_SPEC`, () => {
    assert.throws(() => qemuArgv(c.spec, tcg, null), (e: unknown) => e instanceof MvmError && e.code === "BOOT_BAD_SPEC");
  });
}

test("host TSC rate comes from cpu MHz in /proc/cpuinfo", () => {
  assert.equal(hostTscKhz("processor\t: 0\ncpu MHz\t\t: 2596.122\n"), 2596122);
  assert.equal(hostTscKhz("processor\t: 0\n"), null);
});

test("accelerator: TCG without /dev/kvm, TCG under nested PVM without even trying, KVM only after a boot check", async () => {
  const neverCalled = async () => assert.fail("boot check must not run");
  assert.equal((await chooseAccelerator({ hasDevKvm: false, isKvmPvm: false }, neverCalled)).accel, "tcg");
  const pvm = await chooseAccelerator({ hasDevKvm: true, isKvmPvm: true }, neverCalled);
  assert.equal(pvm.accel, "tcg");
  assert.match(pvm.reason, /PVM/);
  const failed = await chooseAccelerator({ hasDevKvm: true, isKvmPvm: false }, async () => "timed out");
  assert.deepEqual(failed.accel, "tcg");
  assert.match(failed.reason, /timed out/);
  assert.equal((await chooseAccelerator({ hasDevKvm: true, isKvmPvm: false }, async () => null)).accel, "kvm");
  assert.equal((await chooseAccelerator({ hasDevKvm: true, isKvmPvm: false, forced: "tcg" }, neverCalled)).accel, "tcg");
});

test("a template VM's RAM is a shared file; a clone maps the same file private; the NIC gets the spec's MAC", () => {
  const net: VmSpec = { ...base, network: { mode: "user", ports: [], mac: "52:54:00:ab:cd:ef" } };
  const template = qemuArgv({ ...net, memoryFile: { path: "/t/ram", shared: true } }, tcg, 1000);
  assert.deepEqual(values(template, "-object"), ["memory-backend-file,id=mem,size=256M,mem-path=/t/ram,share=on"]);
  assert.deepEqual(values(template, "-machine"), ["memory-backend=mem"]);
  const clone = qemuArgv({ ...net, memoryFile: { path: "/t/ram", shared: false } }, tcg, 1000);
  assert.deepEqual(values(clone, "-object"), ["memory-backend-file,id=mem,size=256M,mem-path=/t/ram,share=off"]);
  assert.ok(values(clone, "-device").includes("virtio-net-device,netdev=net0,mac=52:54:00:ab:cd:ef"));
  assert.equal(values(qemuArgv(base, tcg, 1000), "-object").length, 0, "anonymous RAM without a memory file");
});

test("a MAC that is not six lowercase hex pairs, or a relative RAM file, is BOOT_BAD_SPEC", () => {
  for (const spec of [
    { ...base, network: { mode: "user" as const, ports: [], mac: "52:54:00:AB:CD:EF" } },
    { ...base, network: { mode: "user" as const, ports: [], mac: "52:54:00:ab:cd" } },
    { ...base, memoryFile: { path: "ram", shared: false } },
  ]) {
    assert.throws(() => qemuArgv(spec, tcg, 1000), (e: unknown) => e instanceof MvmError && e.code === "BOOT_BAD_SPEC");
  }
});

test("under TCG a spec may cap the translation cache (tb-size); under KVM there is none to cap", () => {
  assert.deepEqual(values(qemuArgv({ ...base, tcgTranslationCacheMb: 32 }, tcg, 1000), "-accel"), ["tcg,tb-size=32"]);
  assert.deepEqual(values(qemuArgv(base, tcg, 1000), "-accel"), ["tcg"]);
  assert.deepEqual(values(qemuArgv({ ...base, tcgTranslationCacheMb: 32 }, { accel: "kvm", reason: "test" }, null), "-accel"), ["kvm"]);
  assert.throws(() => qemuArgv({ ...base, tcgTranslationCacheMb: 0 }, tcg, 1000), (e: unknown) => e instanceof MvmError && e.code === "BOOT_BAD_SPEC");
});
