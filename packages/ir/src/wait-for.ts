import type { ErrorCode } from "./error-codes.ts";
import { MvmError } from "./errors.ts";

export interface WaitForOptions {
  /** How long to keep probing, in milliseconds. */
  deadlineMs: number;
  /** What never happened, for the error: e.g. "the daemon's control socket to accept". */
  what: string;
  /** Pause between probes; default 20 ms. */
  intervalMs?: number;
  /** The code of the error thrown at the deadline; default RUN_TIMEOUT. */
  code?: ErrorCode;
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false` and resolves with that value;
 * at the deadline it throws an MvmError naming `what` (and the probe's last error, as cause). The one wait
 * helper for sockets appearing, processes ending and tests waiting on state (STYLE.md §8).
 * @example const pid = await waitFor(() => readPidFile(), { deadlineMs: 10_000, what: "the daemon's pid file" });
 */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitForOptions): Promise<T> {
  const giveUpAt = Date.now() + opts.deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= giveUpAt) {
      const why = lastError instanceof Error ? ` (last attempt: ${lastError.message})` : "";
      throw new MvmError(opts.code ?? "RUN_TIMEOUT", `timed out after ${opts.deadlineMs} ms waiting for ${opts.what}${why}`, undefined, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}
