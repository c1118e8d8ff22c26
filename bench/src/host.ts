/** The host a bench ran on: what its figures depend on (CPU, accelerator, QEMU), printed with every report. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { QEMU_BINARY } from "@mvm/vmm";

export interface HostFingerprint {
  cpu: string;
  cpus: number;
  memory_gib: number;
  accelerator: string;
  accelerator_reason: string;
  qemu: string;
  host_kernel: string;
  node: string;
  load_average: number[];
  date: string;
}

export function hostFingerprint(accel: { accel: string; reason: string }): HostFingerprint {
  let qemu = "not found";
  try {
    qemu = execFileSync(QEMU_BINARY, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? qemu;
  } catch {
    // reported as not found
  }
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  return {
    cpu: model, cpus: cpus().length, memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10, accelerator: accel.accel,
    accelerator_reason: accel.reason, qemu, host_kernel: release(), node: process.version,
    load_average: loadavg().map((l) => Math.round(l * 100) / 100), date: new Date().toISOString(),
  };
}
