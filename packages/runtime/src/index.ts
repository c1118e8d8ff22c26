/**
 * @module @mvm/runtime — runs microVMs: the VMM backend, the host↔guest channel and the runtime
 * doctor checks.
 */
export * from "./backend/index.ts";
export * from "./doctor.ts";
export * from "./channel/index.ts";
export * from "./guest/index.ts";
