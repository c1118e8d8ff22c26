/**
 * Our cold boot (the QEMU backend's command line, console into a file it polls) vs the bare command line of
 * RUNTIME-NOTES.md Appendix A (console on a pipe), same kernel and the same tiny ext4 image whose /init prints
 * a marker and reboots: spawn to marker seen, interleaved.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOST_BUSYBOX, mkExt4, resolveGuestKernel } from "@mvm/builder";
import { hostTscKhz, QemuBackend, QEMU_BINARY, type VmSpec } from "@mvm/vmm";
import { ratioRow, type Row } from "../report.ts";
import { sideBySide, type SamplePlan } from "../sampling.ts";
import { summarize } from "../stats.ts";
import type { Workspace } from "../workspace.ts";

const MARKER = "MVM-BENCH-INIT";

export async function bootRow(ws: Workspace, plan: SamplePlan, backend: QemuBackend): Promise<Row> {
  const kernel = await resolveGuestKernel();
  if (kernel.flavour !== "mvm") throw new Error("the boot comparison uses the mvm kernel's command line; unset MVM_KERNEL_FALLBACK");
  const work = await mkdtemp(join(tmpdir(), "mvm-bench-boot-"));
  try {
    const root = join(work, "root");
    for (const d of ["bin", "dev", "proc"]) await mkdir(join(root, d), { recursive: true });
    await copyFile(HOST_BUSYBOX, join(root, "bin/busybox"));
    await symlink("busybox", join(root, "bin/sh"));
    await writeFile(join(root, "init"), `#!/bin/sh\necho ${MARKER}\n/bin/busybox reboot -f\n`, { mode: 0o755 });
    const image = join(work, "root.ext4");
    await mkExt4(root, image);
    const bare = [
      "-accel", "tcg", "-cpu", "max", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on,acpi=off", "-m", "256",
      "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot", "-kernel", kernel.vmlinux,
      "-append", `console=ttyS0 reboot=t panic=-1 tsc_early_khz=${hostTscKhz()} quiet no_timer_check noapictimer root=/dev/vda ro rootfstype=ext4 init=/init`,
      "-drive", `id=root,file=${image},format=raw,if=none,readonly=on`, "-device", "virtio-blk-device,drive=root",
    ];
    const bareBoot = () => new Promise<number>((resolve, reject) => {
      const start = performance.now();
      const child = spawn(QEMU_BINARY, bare, { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      let at = 0;
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString("utf8");
        if (!at && out.includes(MARKER)) at = performance.now() - start;
      });
      child.on("exit", () => (at ? resolve(at) : reject(new Error(`bare qemu exited without the marker:\n${out}`))));
    });
    let n = 0;
    const ourBoot = async () => {
      const dir = join(work, `vm${n++}`);
      await mkdir(dir);
      const spec: VmSpec = {
        kernel: { path: kernel.vmlinux, flavour: "mvm" }, rootfs: image, cpus: 1, memoryMb: 256, network: { mode: "none" },
        consoleLog: join(dir, "console.log"), controlSocket: join(dir, "qmp.sock"),
      };
      const start = performance.now();
      const vm = await backend.start(spec);
      await vm.waitForConsole(new RegExp(MARKER), { deadlineMs: 120_000, what: "the bench /init marker" });
      const ms = performance.now() - start;
      await vm.stop();
      return ms;
    };
    ws.log(`our cold boot vs bare qemu to the /init marker, ${plan.samples} each after ${plan.warmups} warm-ups`);
    await bareBoot(); // the kernel and image in the page cache for both
    const runs = await sideBySide(plan, ourBoot, bareBoot);
    return ratioRow("cold_boot_vs_bare_qemu", "our cold boot vs bare qemu, same kernel and image, to the same marker",
      { label: "QemuBackend", summary: summarize(runs.a) }, { label: "bare qemu", summary: summarize(runs.b) }, 1.15);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
