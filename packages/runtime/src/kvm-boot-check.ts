import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBusyboxInitramfs } from "@mvm/builder";
import { chooseAccelerator, QemuBackend, readAcceleratorFacts, type AcceleratorChoice, type GuestKernelSpec } from "@mvm/vmm";

const KVM_CHECK_DEADLINE_MS = 10_000;
const MARKER = "MVM-KVM-OK";

/**
 * Boots `kernel` under `-accel kvm` with a busybox initramfs and waits for its marker: /dev/kvm that
 * opens is not proof, since nested setups (PVM) crash stock kernels seconds into boot (RUNTIME-NOTES §1).
 * Returns null on success, else what went wrong.
 */
export async function kvmBootCheck(kernel: GuestKernelSpec | undefined): Promise<string | null> {
  if (!kernel) return "no guest kernel available to test-boot under KVM";
  const dir = await mkdtemp(join(tmpdir(), "mvm-kvm-check-"));
  try {
    const initrd = join(dir, "initrd.cpio");
    await writeBusyboxInitramfs(initrd, `#!/bin/sh\necho ${MARKER}\n/bin/busybox reboot -f\n`);
    const backend = new QemuBackend({ accel: { accel: "kvm", reason: "boot check" } });
    const vm = await backend.start({
      kernel: { ...kernel, initrd },
      cpus: 1,
      memoryMb: 128,
      network: { mode: "none" },
      consoleLog: join(dir, "console.log"),
      controlSocket: join(dir, "qmp.sock"),
    });
    try {
      await vm.waitForConsole(new RegExp(MARKER), { deadlineMs: KVM_CHECK_DEADLINE_MS, what: "the KVM test boot" });
      return null;
    } finally {
      await vm.stop({ quitDeadlineMs: 2_000 });
    }
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] ?? "failed" : String(err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let probed: Promise<AcceleratorChoice> | undefined;

/**
 * The accelerator this host's VMs use, decided once per process (a KVM test boot costs seconds): callers
 * pass it to `new QemuBackend({ accel })` instead of each backend probing again.
 */
export function hostAccelerator(kernel: GuestKernelSpec | undefined): Promise<AcceleratorChoice> {
  probed ??= chooseAccelerator(readAcceleratorFacts(), () => kvmBootCheck(kernel));
  return probed;
}
