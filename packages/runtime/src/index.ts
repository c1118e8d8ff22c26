/**
 * @module @mvm/runtime — runs microVMs: the VMM backend, the host↔guest channel and the runtime
 * doctor checks.
 */
export * from "./backend/index.ts";
export * from "./doctor.ts";
