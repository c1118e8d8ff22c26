/**
 * The one table of error codes. Both SDKs and every host stage raise these codes, so the same defect
 * carries the same code wherever it is found. Codes are stable: tests assert on them, never on wording.
 * The Python SDK's copy (`sdk/python/mvm/_error_codes.py`) is generated from this table.
 */
export const ERROR_CODES = {
  // Declaration: raised by the SDKs at declaration time and by the static compiler for the same defect.
  DECL_UNKNOWN_HELPER: "a call to something outside the helper allowlist",
  DECL_UNKNOWN_KWARG: "an argument name the helper or app() does not take",
  DECL_MISSING_KWARG: "a required argument is absent",
  DECL_DUPLICATE_KWARG: "the same argument given twice (e.g. cpu and cpu_cores)",
  DECL_POSITIONAL_ARG: "a positional argument where only keywords (or the options object) are accepted",
  DECL_BAD_ARGUMENT: "an argument of the wrong type or out of range",
  DECL_INVALID_NAME: "an app, addon, env or secret name that fails its pattern",
  DECL_EMPTY_HOOK: "an empty string or empty list given as a hook",
  DECL_SECOND_APP: "a second app declared in one file or process",
  DECL_NO_APP: "no app declared where one was required",
  // Static compile only: facts about source text that the in-process route never sees.
  COMPILE_SYNTAX: "the file does not parse",
  COMPILE_NON_LITERAL: "a value that is neither a literal nor a helper call",
  COMPILE_NOT_MODULE_LEVEL: "the app declaration is on a class, nested function or not at module level",
  COMPILE_UNSUPPORTED_FILE: "a file type the compiler does not read",
  COMPILE_IO: "a file or directory could not be read or written",
  COMPILE_RECORD_FAILED: "record mode: the script failed, or left no valid recording",
  COMPILE_NO_RUNNER: "record mode: no TypeScript runner (tsx, bun, deno) could be found",
  // The IR itself.
  IR_INVALID: "a Workload or launch.json that does not match the schema",
  IR_NOT_CANONICAL: "a value canonical JSON cannot encode (non-integer number, undefined, cycle)",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
