/**
 * The contract between `mvmctl compile` and its language front ends. A front end parses one file with a
 * real parser, never runs it, and lowers the module-level app declaration through `@mvm/ir`'s shared
 * lowering (callHelper / callHelperTs / lowerApp / workloadOf), so its IR and error codes equal the SDKs'.
 *
 * Errors: throw `MvmError` with `location` set ({file, line, column (1-based, code points), length}); the
 * caller renders `file:line:col: error[CODE]: message`, a code frame with a caret, and the hint.
 */
import type { FunctionParam, Language, Workload } from "@mvm/ir";

/** One parameter of the entrypoint function, as written (defined with launch.json in @mvm/ir). */
export type { FunctionParam };

export type FrontEndResult =
  /** A module-level app declaration was found and lowered. */
  | { kind: "app"; workload: Workload; language: Language; params: FunctionParam[] | null }
  /** TS/JS only: no `mvm.app` call, but `Sandbox` is imported from mvm-sdk: record mode should run the script. */
  | { kind: "record" };

/** `file` is the path as the user gave it (used in diagnostics); `text` its contents. */
export type FrontEnd = (file: string, text: string) => Promise<FrontEndResult>;
