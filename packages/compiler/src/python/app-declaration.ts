/**
 * From the places `mvm.app` is used to one lowered App. Sites are taken in source order, as the SDK
 * meets them at run time: the first well-placed decorator is the app, a second one is DECL_SECOND_APP,
 * and a use the static compiler cannot place (see `placementError`) stops compilation where it is.
 */
import { lowerApp, MvmError, type App, type DeclValue } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import type { LiteralEvaluator } from "./literal-value.ts";
import type { AppSite } from "./module-scan.ts";
import { unknownHelperError } from "./mvm-bindings.ts";
import type { SourceText } from "./source-text.ts";
import { pythonName } from "./syntax-nodes.ts";
import { nodeForPath } from "./value-shape.ts";

export interface LoweredApp {
  app: App;
  /** The decorated `function_definition`. */
  definition: Node;
}

export function lowerAppSites(
  sites: readonly AppSite[],
  unknownImports: readonly Node[],
  evaluator: LiteralEvaluator,
  source: SourceText,
  fileStem: string,
): LoweredApp | undefined {
  // `from mvm import gpu` fails when the import runs, so it wins over any app declared after it.
  const failImportsBefore = (index: number): void => {
    const failing = unknownImports.find((node) => node.startIndex < index);
    if (failing) throw evaluator.locatedAt(unknownHelperError(failing.text), failing);
  };
  let first: LoweredApp | undefined;
  for (const site of sites) {
    failImportsBefore(site.expression.startIndex);
    evaluator.evaluateConstantsBefore(site.expression.startIndex);
    const definition = placeDefinition(site, source);
    if (!site.call) {
      throw new MvmError("DECL_POSITIONAL_ARG", "mvm.app must be called with keyword arguments before it decorates a function", 'e.g. @mvm.app(image=mvm.python_image(python="3.12"))', {
        location: source.locate(site.expression),
      });
    }
    const argumentList = site.call.childForFieldName("arguments");
    if (!argumentList) throw new MvmError("COMPILE_SYNTAX", "malformed call", undefined, { location: source.locate(site.call) });
    // Arguments are evaluated before app() runs, as in Python: their helper errors come first.
    const args = evaluator.evaluateArgs(argumentList, 0);
    // The SDK's app() refuses a second app before it looks at its own arguments.
    if (first) {
      throw new MvmError("DECL_SECOND_APP", `a second app is declared; ${JSON.stringify(first.app.name)} already is`, "declare one app per file", {
        location: source.locate(site.expression),
      });
    }
    const [positional] = args.positional;
    if (positional) {
      throw new MvmError("DECL_POSITIONAL_ARG", "app takes keyword arguments only", "pass every argument by keyword", { location: source.locate(positional.shape.node) });
    }
    const kwargs: { [key: string]: DeclValue } = Object.create(null);
    for (const [name, keyword] of args.keywords) kwargs[name] = keyword.evaluated;
    const nameNode = definition.childForFieldName("name");
    const functionName = nameNode ? pythonName(nameNode) : undefined;
    try {
      first = { app: lowerApp(kwargs, { language: "python", fileStem, functionName }), definition };
    } catch (err) {
      if (!(err instanceof MvmError)) throw err;
      throw evaluator.locatedAt(err, nodeForPath(site.call, args.keywords, [], err.path, err.code));
    }
  }
  failImportsBefore(Number.POSITIVE_INFINITY);
  return first;
}

/** The decorated module-level function, or COMPILE_NOT_MODULE_LEVEL saying where the use is instead. */
function placeDefinition(site: AppSite, source: SourceText): Node {
  const fail = (message: string, hint: string): never => {
    throw new MvmError("COMPILE_NOT_MODULE_LEVEL", message, hint, { location: source.locate(site.expression) });
  };
  const moveHint = "decorate a function defined at the top level of the file (not inside a def, class, if or try)";
  if (!site.decorated) return fail("mvm.app(...) is read only as the decorator of a module-level function", moveHint);
  const definition = site.decorated.childForFieldName("definition");
  if (definition?.type === "class_definition") return fail("mvm.app decorates a class; it takes a function", moveHint);
  const enclosing = enclosingBlock(site.decorated);
  if (enclosing) return fail(`mvm.app decorates a function ${enclosing}, so whether it is declared is known only at run time`, moveHint);
  if (definition?.type !== "function_definition") return fail("mvm.app must decorate a function", moveHint);
  return definition;
}

/** "inside function f", "inside an if block", …, or undefined at module level. */
function enclosingBlock(decorated: Node): string | undefined {
  for (let node = decorated.parent; node; node = node.parent) {
    if (node.type === "module") return undefined;
    const name = node.childForFieldName("name")?.text;
    if (node.type === "function_definition") return `inside function ${name ?? ""}`.trimEnd();
    if (node.type === "class_definition") return `inside class ${name ?? ""}`.trimEnd();
    if (node.type.endsWith("_statement")) return `inside ${/^[aeiou]/.test(node.type) ? "an" : "a"} ${node.type.replace("_statement", "")} block`;
  }
  return "outside module level";
}
