import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MvmError } from "@mvm/ir";
import type { ProgressFn } from "../progress.ts";
import { ensureMvmKernel } from "./build.ts";
import { ensureDebianCloudKernel } from "./debian-cloud.ts";
import { hasPvhNote, isElf } from "./pvh-note.ts";

const execFileP = promisify(execFile);

/** A kernel ready to boot, and where it came from. */
export interface GuestKernel {
  vmlinux: string;
  /** "mvm" = our kernel (no ACPI, virtio built in); "debian-cloud" = packaged kernel + module initramfs. */
  flavour: "mvm" | "debian-cloud";
  initrd?: string;
  origin: "MVM_KERNEL" | "built" | "debian-package";
}

async function onPath(tool: string): Promise<boolean> {
  return execFileP("sh", ["-c", `command -v ${tool}`]).then(() => true, () => false);
}

/** True when this host can build the mvm kernel: a compiler and make, or root to apt-get them. */
export async function canBuildKernel(): Promise<boolean> {
  if (process.getuid?.() === 0) return true;
  return (await onPath("cc")) && (await onPath("make"));
}

/** Checks that a user-supplied kernel is an ELF vmlinux QEMU can boot through its PVH note. */
export async function checkVmlinux(path: string, from: string): Promise<void> {
  if (!existsSync(path)) throw new MvmError("BUILD_KERNEL_INVALID", `${from} points at ${path}, which does not exist`, "set it to an uncompressed vmlinux");
  const elf = await readFile(path);
  if (!isElf(elf)) throw new MvmError("BUILD_KERNEL_INVALID", `${path} (${from}) is not an ELF file`, "use the uncompressed vmlinux, not a bzImage/vmlinuz");
  if (!hasPvhNote(elf)) throw new MvmError("BUILD_KERNEL_INVALID", `${path} (${from}) has no PVH entry note`, "build it with CONFIG_PVH=y");
}

/**
 * The guest kernel to boot: `MVM_KERNEL` (flavour from `MVM_KERNEL_FLAVOUR`, default mvm) if set;
 * else the mvm kernel, built once into the cache; else, when building is impossible (no cc/make
 * and not root) or `MVM_KERNEL_FALLBACK=debian-cloud`, Debian's cloud kernel with a module initramfs.
 */
export async function resolveGuestKernel(progress?: ProgressFn): Promise<GuestKernel> {
  const user = process.env.MVM_KERNEL;
  if (user) {
    await checkVmlinux(user, "MVM_KERNEL");
    const flavour = process.env.MVM_KERNEL_FLAVOUR === "debian-cloud" ? "debian-cloud" : "mvm";
    return { vmlinux: user, flavour, initrd: process.env.MVM_KERNEL_INITRD || undefined, origin: "MVM_KERNEL" };
  }
  if (process.env.MVM_KERNEL_FALLBACK !== "debian-cloud" && (await canBuildKernel())) {
    const entry = await ensureMvmKernel(progress);
    return { vmlinux: entry.vmlinux, flavour: "mvm", origin: "built" };
  }
  progress?.({ phase: "fallback", message: "no compiler: using Debian's cloud kernel (≈1.4 s to /init instead of 0.4 s)" });
  const cloud = await ensureDebianCloudKernel(progress);
  return { vmlinux: cloud.vmlinux, flavour: "debian-cloud", initrd: cloud.initrd, origin: "debian-package" };
}
