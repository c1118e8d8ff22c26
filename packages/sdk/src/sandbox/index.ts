/** The record-mode Sandbox API: see sandbox.ts. */
export { Sandbox, type CommandResult, type SandboxOptions, type WriteInfo } from "./sandbox.ts";
