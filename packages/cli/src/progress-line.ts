import { throttleProgress, type ProgressEvent } from "@mvm/builder";

/**
 * Shows a long build on stderr: one line rewritten in place on a terminal; elsewhere (CI logs) a line per
 * phase plus a heartbeat every 15 s, so minutes of `make` output don't flood the log.
 */
export function progressLine(label: string): { update: (e: ProgressEvent) => void; print: (line: string) => void; done: () => void } {
  const started = Date.now();
  const isTty = process.stderr.isTTY === true;
  const render = (e: ProgressEvent) => {
    const seconds = Math.round((e.elapsedMs ?? Date.now() - started) / 1000);
    return `[${label} ${String(seconds).padStart(3)}s] ${e.phase}${e.message ? `: ${e.message}` : ""}`;
  };
  const logLine = throttleProgress((e) => process.stderr.write(`${render(e)}\n`));
  return {
    update(e) {
      if (isTty) {
        const width = process.stderr.columns ?? 100;
        process.stderr.write(`\r\x1b[2K${render(e).slice(0, width - 1)}`);
        return;
      }
      logLine(e);
    },
    /** A whole line of output (e.g. a build log line) above the progress line, which the next update redraws. */
    print(line) {
      process.stderr.write(`${isTty ? "\r\x1b[2K" : ""}${line}\n`);
    },
    done() {
      if (isTty) process.stderr.write("\r\x1b[2K");
    },
  };
}
