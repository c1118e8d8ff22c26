/**
 * The entrypoint function's parameters as written, for launch.json (facts the IR does not carry).
 * `*args` and `**kwargs` are listed with their stars in `name` ("*args", "**kwargs"), so a reader can
 * tell them from ordinary parameters; the bare `*` and `/` separators are not parameters and are left out.
 */
import type { FunctionParam } from "../front-end.ts";
import type { Node } from "web-tree-sitter";
import { pythonName, syntaxChildren } from "./syntax-nodes.ts";

export function functionParams(definition: Node): FunctionParam[] {
  const parameters = definition.childForFieldName("parameters");
  if (!parameters) return [];
  return syntaxChildren(parameters).flatMap((param) => {
    const read = readParam(param);
    return read ? [read] : [];
  });
}

function readParam(param: Node): FunctionParam | null {
  const type = param.childForFieldName("type")?.text ?? null;
  switch (param.type) {
    case "identifier":
      return { name: pythonName(param), has_default: false, type: null };
    case "typed_parameter": {
      // The name is the one unnamed-field child: an identifier or a *args / **kwargs pattern.
      const inner = syntaxChildren(param).find((c) => c.type !== "type");
      return inner ? { name: starredName(inner), has_default: false, type } : null;
    }
    case "default_parameter":
    case "typed_default_parameter": {
      const name = param.childForFieldName("name");
      return name ? { name: pythonName(name), has_default: true, type } : null;
    }
    case "list_splat_pattern":
    case "dictionary_splat_pattern":
      return { name: starredName(param), has_default: false, type: null };
    default:
      // keyword_separator (*), positional_separator (/)
      return null;
  }
}

function starredName(node: Node): string {
  const identifier = node.type === "identifier" ? node : syntaxChildren(node).find((c) => c.type === "identifier");
  const stars = node.type === "list_splat_pattern" ? "*" : node.type === "dictionary_splat_pattern" ? "**" : "";
  return `${stars}${identifier ? pythonName(identifier) : node.text}`;
}
