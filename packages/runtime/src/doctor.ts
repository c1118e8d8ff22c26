import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { canBuildKernel, checkVmlinux, kernelSourceVersion, mvmKernelEntry, KERNEL_SOURCE_PACKAGE } from "@mvm/builder";
import type { DoctorCheck } from "@mvm/ir";
import { QEMU_BINARY, type GuestKernelSpec } from "@mvm/vmm";
import { hostAccelerator } from "./kvm-boot-check.ts";

const execFileP = promisify(execFile);


/** First line of a tool's version output (stdout or stderr), or null when it cannot run. */
async function toolVersion(cmd: string, args: string[]): Promise<string | null> {
  const r = await execFileP(cmd, args).catch((err: { stdout?: string; stderr?: string; code?: unknown }) =>
    // mke2fs -V exits 0 but some tools print versions on stderr or exit non-zero; ENOENT means absent.
    err.code === "ENOENT" ? null : { stdout: err.stdout ?? "", stderr: err.stderr ?? "" },
  );
  if (!r) return null;
  return `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.trim()).find(Boolean) ?? "";
}

function toolCheck(name: string, version: string | null, pkg: string, why: string): DoctorCheck {
  return version !== null
    ? { name, ok: true, detail: version }
    : { name, ok: false, detail: `not found (${why})`, hint: `sudo apt-get install --no-install-recommends ${pkg}` };
}

async function kernelCheck(): Promise<DoctorCheck> {
  const user = process.env.MVM_KERNEL;
  if (user) {
    return checkVmlinux(user, "MVM_KERNEL").then(
      () => ({ name: "kernel", ok: true, detail: `MVM_KERNEL=${user}` }),
      (err: Error) => ({ name: "kernel", ok: false, detail: err.message, hint: "unset MVM_KERNEL or point it at a PVH vmlinux" }),
    );
  }
  const version = await kernelSourceVersion();
  const buildable = await canBuildKernel();
  if (!version) {
    return {
      name: "kernel",
      ok: buildable,
      detail: `not cached; ${KERNEL_SOURCE_PACKAGE} not installed${buildable ? " (installed on first boot)" : ""}`,
      hint: `sudo apt-get install ${KERNEL_SOURCE_PACKAGE} gcc make flex bison libelf-dev bc`,
    };
  }
  const entry = mvmKernelEntry(version);
  if (existsSync(entry.vmlinux)) return { name: "kernel", ok: true, detail: `cached at ${entry.vmlinux} (${KERNEL_SOURCE_PACKAGE} ${version})` };
  return {
    name: "kernel",
    ok: buildable,
    detail: `not cached (would be ${entry.vmlinux}); ${buildable ? "the first boot builds it, about 3 minutes on 2 cores" : "no compiler: the Debian cloud kernel fallback is used"}`,
    hint: "install gcc and make to build the faster mvm kernel",
  };
}

/** The kernel a KVM test boot can use without building one: MVM_KERNEL or the cached mvm kernel. */
async function cachedKernel(): Promise<GuestKernelSpec | undefined> {
  if (process.env.MVM_KERNEL) return { path: process.env.MVM_KERNEL, flavour: process.env.MVM_KERNEL_FLAVOUR === "debian-cloud" ? "debian-cloud" : "mvm" };
  const version = await kernelSourceVersion();
  const entry = version ? mvmKernelEntry(version) : undefined;
  return entry && existsSync(entry.vmlinux) ? { path: entry.vmlinux, flavour: "mvm" } : undefined;
}

/** The Runtime section of `mvmctl doctor`: VMM, accelerator, kernel cache and the image tools. */
export async function runtimeDoctorChecks(): Promise<DoctorCheck[]> {
  const accel = await hostAccelerator(await cachedKernel());
  return [
    toolCheck("qemu", await toolVersion(QEMU_BINARY, ["--version"]), "qemu-system-x86", "the microVM monitor"),
    { name: "accelerator", ok: true, detail: `${accel.accel}: ${accel.reason}` },
    await kernelCheck(),
    toolCheck("cc", await toolVersion("cc", ["--version"]), "gcc", "builds the kernel and the guest agent"),
    toolCheck("mke2fs", await toolVersion("mke2fs", ["-V"]), "e2fsprogs", "makes the ext4 root images"),
    toolCheck("mmdebstrap", await toolVersion("mmdebstrap", ["--version"]), "mmdebstrap", "makes the Debian base layers"),
  ];
}
