/**
 * Which local names refer to mvm-sdk: namespaces (`import * as m from "mvm-sdk"`, `const m = require("mvm-sdk")`)
 * and named imports (`import { app, python_image as py } from "mvm-sdk"`), each resolved to the name mvm-sdk
 * exports, so `py(...)` is read as `python_image(...)`. Only module-level imports count, as only they are in
 * scope at the app declaration.
 */
import { MvmError } from "@mvm/ir";
import type { BindingPattern, Expression, ModuleExportName, Program, VariableDeclaration } from "oxc-parser";
import type { SourcePositions } from "../source-positions.ts";

export const SDK_MODULE = "mvm-sdk";

export interface SdkBindings {
  /** Local names bound to the whole module. */
  namespaces: Set<string>;
  /** Local name → the name mvm-sdk exports it under. */
  named: Map<string, string>;
  /** True when any value import of mvm-sdk exists (used to word DECL_NO_APP). */
  importsSdk: boolean;
  /** True when `Sandbox` is imported by name; namespace uses (`m.Sandbox`) are found while scanning calls. */
  importsSandbox: boolean;
}

export function collectSdkBindings(program: Program, positions: SourcePositions): SdkBindings {
  const bindings: SdkBindings = { namespaces: new Set(), named: new Map(), importsSdk: false, importsSandbox: false };
  for (const statement of program.body) {
    if (statement.type === "ImportDeclaration") {
      if (statement.source.value !== SDK_MODULE || statement.importKind === "type") continue;
      for (const spec of statement.specifiers) {
        if (spec.type === "ImportNamespaceSpecifier") bindings.namespaces.add(spec.local.name);
        else if (spec.type === "ImportDefaultSpecifier") {
          // mvm-sdk is an ES module without a default export: Node refuses this import, so we do too.
          throw new MvmError("DECL_UNKNOWN_HELPER", `${SDK_MODULE} has no default export`, `write: import * as ${spec.local.name} from "${SDK_MODULE}"`,
            { location: positions.locate(spec.start, spec.end) });
        } else if (spec.importKind !== "type") bindings.named.set(spec.local.name, exportName(spec.imported));
        else continue;
        bindings.importsSdk = true;
      }
    } else if (statement.type === "VariableDeclaration") {
      collectRequires(statement, bindings);
    } else if (statement.type === "ExportNamedDeclaration" && statement.declaration?.type === "VariableDeclaration") {
      collectRequires(statement.declaration, bindings);
    }
  }
  bindings.importsSandbox = [...bindings.named.values()].includes("Sandbox");
  return bindings;
}

function exportName(name: ModuleExportName): string {
  return name.type === "Literal" ? name.value : name.name;
}

/** CommonJS: `const mvm = require("mvm-sdk")` and `const { app, localPath: lp } = require("mvm-sdk")`. */
function collectRequires(declaration: VariableDeclaration, bindings: SdkBindings): void {
  for (const declarator of declaration.declarations) {
    if (!declarator.init || !isSdkRequire(declarator.init)) continue;
    bindings.importsSdk = true;
    bindRequired(declarator.id, bindings);
  }
}

function bindRequired(pattern: BindingPattern, bindings: SdkBindings): void {
  if (pattern.type === "Identifier") {
    bindings.namespaces.add(pattern.name);
    return;
  }
  if (pattern.type !== "ObjectPattern") return;
  for (const property of pattern.properties) {
    if (property.type !== "Property" || property.computed || property.value.type !== "Identifier") continue;
    const imported = property.key.type === "Identifier" ? property.key.name : property.key.type === "Literal" ? String(property.key.value) : undefined;
    if (imported !== undefined) bindings.named.set(property.value.name, imported);
  }
}

function isSdkRequire(init: Expression): boolean {
  if (init.type !== "CallExpression" || init.callee.type !== "Identifier" || init.callee.name !== "require") return false;
  const [arg] = init.arguments;
  return init.arguments.length === 1 && arg?.type === "Literal" && arg.value === SDK_MODULE;
}
