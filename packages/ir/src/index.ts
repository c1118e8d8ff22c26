/**
 * @module @mvm/ir — the Workload IR: schema, canonical JSON, ir_hash, validation, the error-code table
 * and the declaration lowering both the TypeScript SDK and the static compiler share.
 */
export * from "./schema.ts";
export * from "./canonical-json.ts";
export * from "./validate.ts";
export * from "./errors.ts";
export * from "./error-codes.ts";
export * from "./declaration/index.ts";
export * from "./launch.ts";
export * from "./wait-for.ts";
export type { DoctorCheck } from "./doctor-check.ts";
