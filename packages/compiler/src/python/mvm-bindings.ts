/**
 * Which local names refer to mvm. Only imports in module scope count (including those inside
 * module-level `if`/`try`/`with` blocks); an import inside a function binds a local name that a
 * module-level decorator cannot see. Rebinding a name later (`mvm = other`) is not tracked.
 */
import { callHelper, helperNames, isHelperName, MvmError } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import { pythonName, syntaxChildren } from "./syntax-nodes.ts";

/** What a called expression refers to. */
export type CalleeTarget =
  | { kind: "app" }
  | { kind: "helper"; name: string }
  /** Reached through mvm but not in the helper table (`mvm.gpu`): the SDK raises DECL_UNKNOWN_HELPER. */
  | { kind: "unknown"; name: string; node: Node }
  /** Anything else: a local function, `os.getenv`, a builtin. */
  | { kind: "other" };

/** Statement containers searched for imports: module-level compound statements, never def or class bodies. */
const IMPORT_CONTAINERS = new Set([
  "module", "block", "if_statement", "elif_clause", "else_clause", "try_statement", "except_clause",
  "except_group_clause", "finally_clause", "with_statement", "for_statement", "while_statement",
  "match_statement", "case_clause",
]);

export class MvmBindings {
  /** Names bound to the mvm module itself: `import mvm`, `import mvm as m`. */
  readonly moduleAliases = new Set<string>();
  /** Local name → the mvm attribute it was imported as: `from mvm import python_image as pi`. */
  readonly importedNames = new Map<string, string>();
  /**
   * `from mvm import gpu`: the SDK's module `__getattr__` raises DECL_UNKNOWN_HELPER at such an import,
   * so the script fails there. Names starting with `_` are left alone (Python raises ImportError).
   */
  readonly unknownImports: Node[] = [];

  static collect(root: Node): MvmBindings {
    const bindings = new MvmBindings();
    const stack = [root];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (node.type === "import_statement") bindings.addImport(node);
      else if (node.type === "import_from_statement") bindings.addFromImport(node);
      else if (IMPORT_CONTAINERS.has(node.type)) stack.push(...node.namedChildren.reverse());
    }
    return bindings;
  }

  get isEmpty(): boolean {
    return this.moduleAliases.size === 0 && this.importedNames.size === 0;
  }

  resolveCallee(callee: Node): CalleeTarget {
    if (callee.type === "identifier") {
      const imported = this.importedNames.get(pythonName(callee));
      if (imported === undefined) return { kind: "other" };
      return this.target(imported, callee);
    }
    if (callee.type === "attribute") {
      const object = callee.childForFieldName("object");
      const attribute = callee.childForFieldName("attribute");
      if (object?.type !== "identifier" || !attribute || !this.moduleAliases.has(pythonName(object))) return { kind: "other" };
      return this.target(pythonName(attribute), attribute);
    }
    return { kind: "other" };
  }

  private target(name: string, node: Node): CalleeTarget {
    if (name === "app") return { kind: "app" };
    if (isHelperName(name, "python")) return { kind: "helper", name };
    return { kind: "unknown", name, node };
  }

  private addImport(node: Node): void {
    for (const name of node.childrenForFieldName("name")) {
      if (name.type === "dotted_name") {
        // `import mvm.sub` binds `mvm` too.
        const first = syntaxChildren(name)[0];
        if (first && pythonName(first) === "mvm") this.moduleAliases.add("mvm");
      } else if (name.type === "aliased_import") {
        const target = name.childForFieldName("name");
        const alias = name.childForFieldName("alias");
        if (target && alias && dottedName(target) === "mvm") this.moduleAliases.add(pythonName(alias));
      }
    }
  }

  private addFromImport(node: Node): void {
    const module = node.childForFieldName("module_name");
    if (module?.type !== "dotted_name" || dottedName(module) !== "mvm") return;
    if (node.namedChildren.some((child) => child.type === "wildcard_import")) {
      for (const name of ["app", ...helperNames("python")]) this.importedNames.set(name, name);
    }
    for (const name of node.childrenForFieldName("name")) {
      const target = name.type === "aliased_import" ? name.childForFieldName("name") : name;
      const alias = name.type === "aliased_import" ? name.childForFieldName("alias") : name;
      if (!target || !alias) continue;
      const imported = dottedName(target);
      if (!SDK_EXPORTS.has(imported) && !imported.startsWith("_")) this.unknownImports.push(target);
      this.importedNames.set(name === alias ? imported : pythonName(alias), imported);
    }
  }
}

/** What `import mvm` provides besides the helpers (sdk/python/mvm/__init__.py `__all__`). */
const SDK_EXPORTS = new Set(["app", "emit_json", "MvmError", ...helperNames("python")]);

/** The error the SDK raises for `mvm.<name>` when `name` is not one of its exports. */
export function unknownHelperError(name: string): MvmError {
  try {
    callHelper(name, [], {}, "python");
  } catch (err) {
    if (err instanceof MvmError) return err;
    throw err;
  }
  return new MvmError("DECL_UNKNOWN_HELPER", `${name} is not an mvm helper`);
}

function dottedName(node: Node): string {
  return syntaxChildren(node).filter((c) => c.type === "identifier").map(pythonName).join(".");
}
