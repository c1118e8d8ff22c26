/** mvmctl's exit codes (STYLE.md §4). Only main.ts calls process.exit. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** The operation failed and the message says why (bad app, failed build, the user's function raised). */
  FAILED: 1,
  /** Usage: unknown flag, missing argument. */
  USAGE: 2,
  /** A deadline passed (--timeout). */
  TIMEOUT: 124,
  /** The VM or runner crashed; the reason is printed. */
  CRASHED: 137,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
