/** One step of a long build, for a caller to show (the CLI prints it on stderr; libraries never print). */
export interface ProgressEvent {
  /** Short name of the current step, e.g. "extract", "make vmlinux". */
  phase: string;
  message?: string;
  /** Milliseconds since the whole operation started, when known. */
  elapsedMs?: number;
}

export type ProgressFn = (event: ProgressEvent) => void;

/** Forwards a phase's first event and then at most one event per `everyMs`: for logs, where minutes of `make` lines would flood. */
export function throttleProgress(forward: ProgressFn, everyMs = 15_000): ProgressFn {
  let lastPhase = "";
  let lastForwardMs = 0;
  return (event) => {
    if (event.phase === lastPhase && Date.now() - lastForwardMs < everyMs) return;
    [lastPhase, lastForwardMs] = [event.phase, Date.now()];
    forward(event);
  };
}
