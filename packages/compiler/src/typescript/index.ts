/**
 * @module The TypeScript/JavaScript static front end of `mvmctl compile`: parses with oxc, never runs the
 * file, finds the module-level `mvm.app({...})(fn)` and lowers it through `@mvm/ir`'s shared lowering, so
 * the IR bytes and error codes equal the TS SDK's (`MVM_SDK_MODE=emit npx tsx app.ts`).
 * A file with no app call that imports `Sandbox` from mvm-sdk is handed to record mode instead.
 */
import { lowerApp, MvmError, workloadOf, type App, type FunctionParam } from "@mvm/ir";
import type { FrontEnd } from "../front-end.ts";
import { scanAppCalls, type AppCall } from "./app-calls.ts";
import { locate, readValue, type ValueReader } from "./declaration-values.ts";
import { appErrorNode } from "./error-nodes.ts";
import { readFunctionParams } from "./function-params.ts";
import { parseModule } from "./parse-module.ts";
import { collectSdkBindings, SDK_MODULE } from "./sdk-bindings.ts";
import { SourcePositions } from "../source-positions.ts";

export { TYPESCRIPT_EXTENSIONS } from "./parse-module.ts";

/** Compiles one TS/JS file statically; see FrontEnd for the contract. */
export const compileTypeScript: FrontEnd = async (file, text) => {
  const positions = new SourcePositions(file, text);
  const program = parseModule(positions);
  const bindings = collectSdkBindings(program, positions);
  const scan = scanAppCalls(program, bindings);
  if (scan.calls.length === 0) {
    if (bindings.importsSandbox || scan.usesSandboxNamespace) return { kind: "record" };
    throw new MvmError("DECL_NO_APP", bindings.importsSdk ? "no mvm.app(...) declaration found" : `no app declared: the file does not import ${SDK_MODULE}`,
      `declare one at the top level: import * as mvm from "${SDK_MODULE}"; export const fn = mvm.app({...})(fn)`,
      { location: positions.locate(0, 0) });
  }
  const reader: ValueReader = { positions, bindings };
  let declared: { app: App; params: FunctionParam[] | null } | undefined;
  for (const found of scan.calls) {
    const app = lowerAppCall(found, reader, declared !== undefined);
    declared ??= { app, params: readFunctionParams(found.fn, program, positions) };
  }
  if (!declared) throw new MvmError("DECL_NO_APP", "no mvm.app(...) declaration found");
  return { kind: "app", workload: workloadOf(declared.app), language: "node", params: declared.params };
};

/** One app call, checked in the SDK's order: options (helpers run), second app, options shape, lowering. */
function lowerAppCall(found: AppCall, reader: ValueReader, isSecond: boolean): App {
  const { call } = found;
  if (!found.isModuleLevel) {
    throw new MvmError("COMPILE_NOT_MODULE_LEVEL", "mvm.app(...) must be a top-level statement to be compiled statically",
      "declare it at module level: export const fn = mvm.app({...})(fn)", { location: locate(reader, call.callee) });
  }
  const args = call.arguments.map((arg, i) => readValue(arg, reader, { owner: "app", path: i === 0 ? [] : [i] }));
  if (isSecond) {
    throw new MvmError("DECL_SECOND_APP", "a second app is declared in this file", "declare one app per file", { location: locate(reader, call.callee) });
  }
  const [options] = args;
  const extra = call.arguments[1];
  if (extra) {
    throw new MvmError("DECL_POSITIONAL_ARG", `app() takes one options object, got ${call.arguments.length} arguments`, 'e.g. mvm.app({ name: "my-app", ... })',
      { location: locate(reader, extra) });
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new MvmError("DECL_BAD_ARGUMENT", "app() takes one options object", 'e.g. mvm.app({ name: "my-app", ... })',
      { location: locate(reader, call.arguments[0] ?? call.callee) });
  }
  try {
    // Own enumerable keys, as the SDK's lowering sees the object it is handed (even a helper value).
    return lowerApp(Object.fromEntries(Object.entries(options)), { language: "node", fileStem: fileStem(reader.positions.file) });
  } catch (err) {
    if (err instanceof MvmError) err.at(locate(reader, appErrorNode(call, err)));
    throw err;
  }
}

/** As the SDK computes it: the base name up to its first dot. */
function fileStem(file: string): string {
  const base = file.slice(file.lastIndexOf("/") + 1);
  const dot = base.indexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}
