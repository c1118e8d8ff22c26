/** One step of a long build, for a caller to show (the CLI prints it on stderr; libraries never print). */
export interface ProgressEvent {
  /** Short name of the current step, e.g. "extract", "make vmlinux". */
  phase: string;
  message?: string;
  /** Milliseconds since the whole operation started, when known. */
  elapsedMs?: number;
}

export type ProgressFn = (event: ProgressEvent) => void;
