/**
 * Module-level names a declaration may refer to: `metrics = mvm.addon(...)` then `addons=[metrics]`.
 * A name qualifies when the module binds it exactly once, by a plain `NAME = value` statement at the top
 * level, written before the use. Any other binding of the name in module scope (a second assignment,
 * `+=`, unpacking, a def or class, an import, a loop target, an assignment inside `if`/`try`) makes its
 * value depend on run-time flow, so such a name stays non-literal. Rebinding through `global` inside a
 * function is not tracked.
 */
import type { Node } from "web-tree-sitter";
import { pythonName, syntaxChildren } from "./syntax-nodes.ts";

export interface ModuleConstant {
  name: string;
  /** The whole `NAME = value` assignment: a use must come after it ends. */
  assignment: Node;
  value: Node;
}

/** Statement containers whose bindings are module-scope (the same blocks imports are searched in). */
const CONTAINERS = new Set([
  "block", "if_statement", "elif_clause", "else_clause", "try_statement", "except_clause", "except_group_clause",
  "finally_clause", "with_statement", "for_statement", "while_statement", "match_statement", "case_clause",
]);

export class ModuleConstants {
  private readonly constants = new Map<string, ModuleConstant>();
  /** Names bound more than once or in a way whose value is not a plain top-level assignment. */
  private readonly unstable = new Set<string>();

  static collect(root: Node): ModuleConstants {
    const found = new ModuleConstants();
    for (const statement of syntaxChildren(root)) found.addStatement(statement, true);
    for (const name of found.unstable) found.constants.delete(name);
    return found;
  }

  /** The constant an identifier refers to, when it is defined before `use`. */
  lookup(use: Node): ModuleConstant | undefined {
    const constant = this.constants.get(pythonName(use));
    return constant && constant.assignment.endIndex <= use.startIndex ? constant : undefined;
  }

  /** Every constant, in source order. */
  all(): ModuleConstant[] {
    return [...this.constants.values()].sort((a, b) => a.assignment.startIndex - b.assignment.startIndex);
  }

  private addStatement(statement: Node, isTopLevel: boolean): void {
    const [only] = syntaxChildren(statement);
    if (statement.type === "expression_statement" && only?.type === "assignment") {
      this.addAssignment(only, isTopLevel);
    } else if (statement.type === "expression_statement" && only?.type === "augmented_assignment") {
      this.markTargets(only.childForFieldName("left"));
    } else if (statement.type === "function_definition" || statement.type === "class_definition") {
      this.markTargets(statement.childForFieldName("name"));
    } else if (statement.type === "decorated_definition") {
      this.markTargets(statement.childForFieldName("definition")?.childForFieldName("name") ?? null);
    } else if (statement.type === "import_statement" || statement.type === "import_from_statement") {
      for (const name of statement.childrenForFieldName("name")) this.markTargets(name.childForFieldName("alias") ?? name);
    } else if (CONTAINERS.has(statement.type)) {
      if (statement.type === "for_statement") this.markTargets(statement.childForFieldName("left"));
      for (const child of syntaxChildren(statement)) this.addStatement(child, false);
    }
  }

  private addAssignment(assignment: Node, isTopLevel: boolean): void {
    const left = assignment.childForFieldName("left");
    const right = assignment.childForFieldName("right");
    if (!isTopLevel || left?.type !== "identifier" || !right || right.type === "assignment") {
      // `a = b = 1` nests assignments; every name in it is bound.
      for (let node: Node | null = assignment; node?.type === "assignment"; node = node.childForFieldName("right")) {
        this.markTargets(node.childForFieldName("left"));
      }
      return;
    }
    const name = pythonName(left);
    if (this.constants.has(name)) this.unstable.add(name);
    else this.constants.set(name, { name, assignment, value: right });
  }

  private markTargets(target: Node | null): void {
    if (!target) return;
    if (target.type === "identifier") this.unstable.add(pythonName(target));
    else if (target.type === "dotted_name") {
      const first = syntaxChildren(target)[0];
      if (first) this.unstable.add(pythonName(first));
    } else for (const child of syntaxChildren(target)) this.markTargets(child);
  }
}
