import type { ErrorCode } from "./error-codes.ts";

/** Where in a source file a problem is: 1-based line, 1-based column counted in Unicode code points. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** Code points the caret should cover; 1 when unknown. */
  length?: number;
}

/**
 * The base error of every mvm package. `code` is from ERROR_CODES and is what tests and callers match on;
 * `hint` says how to fix it, in the caller's language. `options.cause` keeps the original error.
 */
export class MvmError extends Error {
  override name = "MvmError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions & { location?: SourceLocation; path?: readonly (string | number)[] },
  ) {
    super(message, options);
    this.location = options?.location;
    this.path = options?.path ?? [];
  }
  /** The source position, when the error is about a declaration in a file. */
  location: SourceLocation | undefined;
  /** Where in the declaration the defect is: e.g. ["env", "API_KEY"] or ["resources", "memory_mb"]. */
  readonly path: readonly (string | number)[];

  /** Attaches the source position and makes the uncaught-error printout lead with `file:line:col: error[CODE]`. */
  at(location: SourceLocation | undefined): this {
    if (!location || this.location) return this;
    this.location = location;
    const frames = (this.stack ?? "").split("\n").filter((line) => line.startsWith("    at "));
    this.stack = [`${this.name}: ${this.format()}`, ...frames].join("\n");
    return this;
  }

  /** `file:line:col: error[CODE]: message` plus the hint, the form every front end prints. */
  format(): string {
    const where = this.location ? `${this.location.file}:${this.location.line}:${this.location.column}: ` : "";
    return `${where}error[${this.code}]: ${this.message}${this.hint ? `\nhint: ${this.hint}` : ""}`;
  }
}
