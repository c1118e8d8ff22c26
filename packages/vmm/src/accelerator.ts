import { existsSync, readFileSync } from "node:fs";

export type Accelerator = "tcg" | "kvm";

/** The accelerator a VM runs under, and why; `mvmctl doctor` prints the reason. */
export interface AcceleratorChoice {
  accel: Accelerator;
  reason: string;
}

/** What the host offers, read from /dev and /sys; separate from the decision so the rules are testable. */
export interface AcceleratorFacts {
  hasDevKvm: boolean;
  /** `/sys/module/kvm_pvm` exists: /dev/kvm is nested PVM, where stock kernels crash (RUNTIME-NOTES.md §1). */
  isKvmPvm: boolean;
  /** `MVM_ACCEL`, when the user forces a choice. */
  forced?: string;
}

export function readAcceleratorFacts(): AcceleratorFacts {
  return {
    hasDevKvm: existsSync("/dev/kvm"),
    isKvmPvm: existsSync("/sys/module/kvm_pvm"),
    forced: process.env.MVM_ACCEL || undefined,
  };
}

/**
 * Decides between KVM and TCG: KVM only when /dev/kvm exists, is not nested PVM, and `bootCheck`
 * (a real boot of the kernel under KVM) succeeds; otherwise TCG, with the reason recorded.
 */
export async function chooseAccelerator(facts: AcceleratorFacts, bootCheck: () => Promise<string | null>): Promise<AcceleratorChoice> {
  if (facts.forced === "tcg") return { accel: "tcg", reason: "forced by MVM_ACCEL=tcg" };
  if (facts.forced === "kvm") return { accel: "kvm", reason: "forced by MVM_ACCEL=kvm" };
  if (!facts.hasDevKvm) return { accel: "tcg", reason: "no /dev/kvm on this host" };
  if (facts.isKvmPvm) {
    return {
      accel: "tcg",
      reason: "/dev/kvm is nested PVM (kvm_pvm loaded); stock guest kernels crash under it, so TCG is used",
    };
  }
  const failure = await bootCheck();
  if (failure) return { accel: "tcg", reason: `/dev/kvm exists but a KVM boot check failed: ${failure}` };
  return { accel: "kvm", reason: "/dev/kvm booted the guest kernel" };
}

/**
 * The host TSC rate in kHz, for `tsc_early_khz`: under TCG the guest TSC ticks at the host rate, and
 * without it about 1 boot in 7 hangs calibrating against the PIT (RUNTIME-NOTES.md §2).
 */
export function hostTscKhz(cpuinfo: string = readFileSync("/proc/cpuinfo", "utf8")): number | null {
  const mhz = /^cpu MHz\s*:\s*([0-9.]+)/m.exec(cpuinfo)?.[1];
  if (!mhz) return null;
  const khz = Math.round(Number(mhz) * 1000);
  return Number.isFinite(khz) && khz > 0 ? khz : null;
}
