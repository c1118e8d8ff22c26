/**
 * mvmctl's exit codes (STYLE.md §4) and the one table that maps an error to its code. `mvmctl --help` and
 * docs/run.md print the same table (exit-codes.test.ts checks both). Only main.ts calls process.exit.
 */
import type { ErrorCode } from "@mvm/ir";
// The error class alone: @mvm/ir's entry loads zod and every schema, which most commands never need.
import { MvmError } from "@mvm/ir/errors";

export const EXIT = {
  /** Success. */
  OK: 0,
  /** The operation failed and the message says why (bad app, failed build, the user's function raised). */
  FAILED: 1,
  /** Usage: unknown flag, missing argument, an input the function does not take. */
  USAGE: 2,
  /** A deadline passed (--timeout, --ready-timeout). */
  TIMEOUT: 124,
  /** The VM or the runner died; the reason is printed. */
  CRASHED: 137,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Error codes whose exit code is not FAILED. */
const EXIT_BY_ERROR: Partial<Record<ErrorCode, ExitCode>> = {
  RUN_TIMEOUT: EXIT.TIMEOUT,
  BOOT_TIMEOUT: EXIT.TIMEOUT,
  RUN_VM_DIED: EXIT.CRASHED,
  RUN_RUNNER_CRASHED: EXIT.CRASHED,
  RUN_INSTANCE_DEAD: EXIT.CRASHED,
  RUN_INPUT_INVALID: EXIT.USAGE,
};

/** The exit code for an error that reached main. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof MvmError) return EXIT_BY_ERROR[err.code] ?? EXIT.FAILED;
  return EXIT.FAILED;
}

/** The table as `mvmctl --help` prints it (and docs/run.md repeats). */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT.OK, "success"],
  [EXIT.FAILED, "the operation failed and the message says why (bad app, failed build, the function raised)"],
  [EXIT.USAGE, "usage: unknown flag, missing argument, an input the function does not take"],
  [EXIT.TIMEOUT, "a deadline passed (invoke --timeout, up --ready-timeout)"],
  [EXIT.CRASHED, "the VM or the runner died (killed, crashed, powered off); the reason is printed"],
];

export function exitCodeHelp(): string {
  return `\nExit codes:\n${EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join("\n")}\n  mvmctl exec exits with the command's own status (128+N when a signal N ended it).\n`;
}
