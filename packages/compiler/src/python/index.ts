/**
 * @module The static Python front end: `mvmctl compile app.py` without importing app.py. The file is
 * parsed with tree-sitter, the module-level `@mvm.app(...)` function is found through whatever name
 * mvm was imported as, its arguments are read as literals and helper calls only, and the result is
 * lowered by the same code the SDKs use, so the IR bytes equal `MVM_SDK_MODE=emit python app.py`.
 */
import { parse } from "node:path";
import { MvmError, workloadOf } from "@mvm/ir";
import type { FrontEnd } from "../front-end.ts";
import { lowerAppSites } from "./app-declaration.ts";
import { LiteralEvaluator } from "./literal-value.ts";
import { ModuleConstants } from "./module-constants.ts";
import { scanModule } from "./module-scan.ts";
import { MvmBindings } from "./mvm-bindings.ts";
import { functionParams } from "./params.ts";
import { parsePython } from "./parser.ts";
import { SourceText } from "./source-text.ts";
import { firstParseError } from "./syntax-check.ts";

/** Compiles one Python file. Throws MvmError with `location` set for every defect in the file. */
export const compilePython: FrontEnd = async (file, text) => {
  // CPython skips a UTF-8 byte order mark before reading the source; columns on line 1 do not count it.
  const source = new SourceText(file, text.startsWith("\uFEFF") ? text.slice(1) : text);
  const tree = await parsePython(source.text);
  try {
    const root = tree.rootNode;
    const parseError = firstParseError(root, source);
    if (parseError) throw parseError;
    const bindings = MvmBindings.collect(root);
    const scan = scanModule(root, bindings, source);
    if (scan.syntaxProblem) throw scan.syntaxProblem;
    const lowered = lowerAppSites(scan.appSites, bindings.unknownImports, new LiteralEvaluator(source, bindings, ModuleConstants.collect(root)), source, pythonFileStem(file));
    if (!lowered) {
      throw new MvmError("DECL_NO_APP", "no app is declared in this file", noAppHint(bindings), { location: source.start() });
    }
    return { kind: "app", workload: workloadOf(lowered.app), language: "python", params: functionParams(lowered.definition) };
  } finally {
    tree.delete();
  }
};

/** `pathlib.Path(file).stem`: the name without its last suffix, which is what the SDK defaults `module` to. */
export function pythonFileStem(file: string): string {
  return parse(file).name;
}

function noAppHint(bindings: MvmBindings): string {
  const lookedFor = "looked for a module-level function decorated with @mvm.app(...) after `import mvm` "
    + "(or @m.app(...) after `import mvm as m`, or @app(...) after `from mvm import app`)";
  return bindings.isEmpty ? `${lookedFor}; this file never imports mvm` : lookedFor;
}
