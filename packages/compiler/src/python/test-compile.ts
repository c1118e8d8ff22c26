/** Test support: compile a Python source text and get either the IR document or the error's essentials. */
import { canonicalJson, MvmError, type Workload } from "@mvm/ir";
import type { FunctionParam } from "../front-end.ts";
import { compilePython } from "./index.ts";

export type Outcome =
  | { ok: true; workload: Workload; json: string; params: FunctionParam[] | null }
  | { ok: false; code: string; line: number; column: number; length: number; message: string; hint: string | undefined };

export async function compileText(text: string, file = "app.py"): Promise<Outcome> {
  try {
    const result = await compilePython(file, text);
    if (result.kind !== "app") throw new Error(`unexpected ${result.kind}`);
    return { ok: true, workload: result.workload, json: canonicalJson(result.workload), params: result.params };
  } catch (err) {
    if (!(err instanceof MvmError)) throw err;
    if (!err.location) throw new Error(`MvmError without location: ${err.format()}`, { cause: err });
    return {
      ok: false, code: err.code, line: err.location.line, column: err.location.column,
      length: err.location.length ?? 1, message: err.message, hint: err.hint,
    };
  }
}

/** `@mvm.app(<args>)` around a function `f`, after `import mvm`: the decorator is on line 2. */
export function declaration(args: string, prelude = ""): string {
  return `${prelude}import mvm\n@mvm.app(${args})\ndef f():\n    pass\n`;
}
