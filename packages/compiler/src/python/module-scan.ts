/**
 * One pass over the whole tree, in document order: the first compile-time syntax problem tree-sitter
 * let through, and every place `mvm.app` is used (by any alias). A TreeCursor walk keeps this cheap
 * on large files: Node objects are only made for the few node types that need a closer look.
 */
import type { MvmError } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import type { MvmBindings } from "./mvm-bindings.ts";
import type { SourceText } from "./source-text.ts";
import { checkArgumentList, python2Statement } from "./syntax-check.ts";
import { syntaxChildren } from "./syntax-nodes.ts";

/** One use of mvm.app, where it was written. */
export interface AppSite {
  /** The decorator expression `mvm.app(...)`, or a bare `mvm.app` used without a call. */
  expression: Node;
  /** The call node when `mvm.app(...)` was called. */
  call: Node | null;
  /** The `decorated_definition` when this is a decorator; null for any other use. */
  decorated: Node | null;
}

export interface ModuleScan {
  syntaxProblem: MvmError | undefined;
  appSites: AppSite[];
}

export function scanModule(root: Node, bindings: MvmBindings, source: SourceText): ModuleScan {
  const scan: ModuleScan = { syntaxProblem: undefined, appSites: [] };
  const decoratorCalls = new Set<number>();
  const cursor = root.walk();
  try {
    for (let done = false; !done;) {
      visit(cursor.nodeType);
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
      }
    }
  } finally {
    cursor.delete();
  }
  return scan;

  function visit(type: string): void {
    switch (type) {
      case "print_statement":
      case "exec_statement": {
        const statement = cursor.currentNode;
        // `print >> f, x` is also a valid Python 3 expression (a tuple), so only chevron-less forms are refused.
        if (!statement.namedChildren.some((child) => child.type === "chevron")) scan.syntaxProblem ??= python2Statement(statement, source);
        return;
      }
      case "argument_list":
        scan.syntaxProblem ??= checkArgumentList(cursor.currentNode, source);
        return;
      case "decorator": {
        if (bindings.isEmpty) return;
        const decorator = cursor.currentNode;
        const [expression] = syntaxChildren(decorator);
        if (!expression) return;
        const call = expression.type === "call" ? expression : null;
        const callee = call ? call.childForFieldName("function") : expression;
        if (!callee || bindings.resolveCallee(callee).kind !== "app") return;
        if (call) decoratorCalls.add(call.id);
        scan.appSites.push({ expression, call, decorated: decorator.parent });
        return;
      }
      case "call": {
        if (bindings.isEmpty) return;
        const call = cursor.currentNode;
        if (decoratorCalls.has(call.id)) return;
        const callee = call.childForFieldName("function");
        if (callee && bindings.resolveCallee(callee).kind === "app") scan.appSites.push({ expression: call, call, decorated: null });
        return;
      }
      default:
        return;
    }
  }
}
