/**
 * Python values a declaration can hold but the shared lowering has no type for: bytes, tuples, sets,
 * complex numbers, `...`, and dict keys that are not strings. The SDK refuses each of them only when
 * a check meets it (DECL_BAD_ARGUMENT for values, DECL_INVALID_NAME / DECL_UNKNOWN_KWARG for keys), so
 * the static route passes stand-ins through the same lowering instead of refusing them early; the
 * first error and its code stay the SDK's, and the message is reworded to name what was written.
 */
import { DeclFloat, type MvmError } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import { syntaxChildren } from "./syntax-nodes.ts";

/** The lowering refuses a non-plain object wherever a value is checked, exactly where the SDK refuses a tuple. */
export const PYTHON_ONLY_VALUE = new DeclFloat(Number.NaN);
const SHOWN_AS = "the float NaN";

/**
 * A dict key that is not a str (`{1: "x"}`) becomes a string no env pattern or known key can match,
 * made from the key's source text so distinct keys stay distinct.
 */
export function nonStringKey(keyNode: Node): string {
  return `\u0000${keyNode.text}`;
}

/** Rewrites a lowering message that shows a stand-in, so it names the bytes, tuple or key as written. */
export function rewordStandIns(err: MvmError, node: Node, keyNodes: ReadonlyMap<string, Node>): void {
  let message = err.message;
  if (message.includes(SHOWN_AS)) message = message.replace(SHOWN_AS, describePythonOnly(node));
  for (const [key, keyNode] of keyNodes) {
    message = message.replaceAll(JSON.stringify(key), keyNode.text);
  }
  err.message = message;
}

function describePythonOnly(node: Node): string {
  switch (node.type) {
    case "tuple": return `a tuple of ${syntaxChildren(node).length} (use a list)`;
    case "set": return "a set";
    case "ellipsis": return "Ellipsis (...)";
    case "string":
    case "concatenated_string": return "a bytes literal";
    case "integer":
    case "float":
    case "unary_operator": return "a complex number";
    default: return "a value no declaration accepts";
  }
}
