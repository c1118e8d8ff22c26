/**
 * @module @mvm/runtime — runs microVMs: the host daemon and its client, the host↔guest channel client, the
 * accelerator probe and the runtime doctor checks.
 */
export * from "./doctor.ts";
export * from "./channel/index.ts";
export { hostAccelerator, kvmBootCheck } from "./kvm-boot-check.ts";
export * from "./daemon/index.ts";
export * from "./secrets/index.ts";
