/**
 * @module @mvm/vmm — the VMM backend both the builder (before_build VMs) and the runtime boot through: the
 * Backend contract, the QEMU microvm implementation, QMP and the accelerator decision.
 */
export * from "./backend.ts";
export * from "./accelerator.ts";
export * from "./qemu-argv.ts";
export * from "./qemu.ts";
export * from "./qmp.ts";
export { followLines, type FollowLines } from "./follow-lines.ts";
export { findProcessByArg, isProcessAlive, processArgv } from "./vmm-process.ts";
