/**
 * Finds every `mvm.app(...)` call in a file and says which are module-level declarations. Accepted forms:
 * `mvm.app({...})(fn);`, `export const x = mvm.app({...})(fn)`, `export default mvm.app({...})(fn)`,
 * `module.exports = mvm.app({...})(fn)`, and the same without the `(fn)`. Any other app call (inside a function, class, block or another
 * expression) is not read statically and becomes COMPILE_NOT_MODULE_LEVEL.
 */
import { Visitor, type Argument, type CallExpression, type Expression, type ExportDefaultDeclarationKind, type Program, type Statement } from "oxc-parser";
import type { SdkBindings } from "./sdk-bindings.ts";
import { sdkExportNamed } from "./sdk-references.ts";
import { unwrapExpression } from "./unwrap-expression.ts";

export interface AppCall {
  /** The `mvm.app(options)` call. */
  call: CallExpression;
  /** The argument of the call that follows it (`(fn)`), when there is one. */
  fn: Argument | null;
  /** True when the call is one of the accepted top-level statement forms. */
  isModuleLevel: boolean;
}

export interface AppCallScan {
  /** Every app call, in source order. */
  calls: AppCall[];
  /** True when the file refers to `Sandbox` through an mvm-sdk namespace (`mvm.Sandbox`). */
  usesSandboxNamespace: boolean;
}

export function scanAppCalls(program: Program, bindings: SdkBindings): AppCallScan {
  const topLevel = new Map<CallExpression, Argument | null>();
  for (const statement of program.body) {
    for (const expression of topLevelExpressions(statement)) {
      const found = appDeclaration(expression, bindings);
      if (found) topLevel.set(found.call, found.fn);
    }
  }
  const calls: AppCall[] = [];
  let usesSandboxNamespace = false;
  new Visitor({
    CallExpression(node) {
      if (sdkExportNamed(node.callee, bindings) !== "app") return;
      const fn = topLevel.get(node);
      calls.push({ call: node, fn: fn ?? null, isModuleLevel: fn !== undefined });
    },
    MemberExpression(node) {
      if (bindings.namespaces.size > 0 && sdkExportNamed(node, bindings) === "Sandbox") usesSandboxNamespace = true;
    },
  }).visit(program);
  calls.sort((a, b) => a.call.start - b.call.start);
  return { calls, usesSandboxNamespace };
}

/** The expressions a top-level statement evaluates directly (not inside a function or block). */
function topLevelExpressions(statement: Statement | Program["body"][number]): Expression[] {
  switch (statement.type) {
    case "ExpressionStatement": {
      // CommonJS exports the app by assignment: `module.exports = mvm.app({...})(fn)`.
      const expression = unwrapExpression(statement.expression);
      return expression.type === "AssignmentExpression" && expression.operator === "=" ? [expression.right] : [statement.expression];
    }
    case "VariableDeclaration":
      return statement.declarations.flatMap((d) => (d.init ? [d.init] : []));
    case "ExportNamedDeclaration":
      return statement.declaration?.type === "VariableDeclaration" ? topLevelExpressions(statement.declaration) : [];
    case "ExportDefaultDeclaration":
      return isExpression(statement.declaration) ? [statement.declaration] : [];
    default:
      return [];
  }
}

function isExpression(declaration: ExportDefaultDeclarationKind): declaration is Expression {
  switch (declaration.type) {
    case "FunctionDeclaration":
    case "ClassDeclaration":
    case "TSDeclareFunction":
    case "TSInterfaceDeclaration":
      return false;
    default:
      return true;
  }
}

/** `app(options)(fn)` or `app(options)`, through parentheses and type assertions. */
function appDeclaration(expression: Expression, bindings: SdkBindings): { call: CallExpression; fn: Argument | null } | undefined {
  const outer = unwrapExpression(expression);
  if (outer.type !== "CallExpression") return undefined;
  if (sdkExportNamed(outer.callee, bindings) === "app") return { call: outer, fn: null };
  const inner = unwrapExpression(outer.callee);
  if (inner.type === "CallExpression" && sdkExportNamed(inner.callee, bindings) === "app") {
    return { call: inner, fn: outer.arguments[0] ?? null };
  }
  return undefined;
}
