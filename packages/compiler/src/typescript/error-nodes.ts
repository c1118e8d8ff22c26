/**
 * Maps the `path` of a lowering error (relative to a call: a keyword name or an argument index, then
 * object keys and list indices) back to the AST node that holds the offending value, so the caret lands
 * on it. When the path leaves the literal (a missing key, a helper value), the deepest node found is used.
 * Errors about a key itself (unknown or duplicate argument, bad env variable name) point at the key.
 */
import type { MvmError } from "@mvm/ir";
import type { Argument, CallExpression, Node, ObjectProperty } from "oxc-parser";
import { plainPropertyKey } from "./property-key.ts";
import { unwrapExpression } from "./unwrap-expression.ts";

/** For a helper call: `path[0]` is an argument index, or a keyword found in an options object, or the positional value. */
export function helperErrorNode(call: CallExpression, err: MvmError): Node {
  const [head, ...rest] = err.path;
  const atKey = isAboutKey(err);
  if (head === undefined) return call.callee;
  if (typeof head === "number") {
    const arg = call.arguments[head];
    return arg ? descend(arg, rest, atKey) : call.callee;
  }
  for (let i = call.arguments.length - 1; i >= 0; i--) {
    const property = propertyOf(call.arguments[i], head);
    if (property) return rest.length === 0 && atKey ? property.key : descend(property.value, rest, atKey);
  }
  // Not in an options object: the keyword names the positional first argument (`secret("BAD NAME")`), or is missing.
  const first = call.arguments[0];
  if (first && first.type !== "SpreadElement" && unwrapExpression(first).type !== "ObjectExpression") return descend(first, rest, atKey);
  return call.callee;
}

/** For `app({...})`: the path starts at the options object; a missing key points at `mvm.app`. */
export function appErrorNode(call: CallExpression, err: MvmError): Node {
  const [first] = call.arguments;
  return first ? descend(first, err.path, isAboutKey(err), call.callee) : call.callee;
}

function isAboutKey(err: MvmError): boolean {
  return err.code === "DECL_UNKNOWN_KWARG" || err.code === "DECL_DUPLICATE_KWARG" || (err.code === "DECL_INVALID_NAME" && err.path[0] === "env");
}

/** Follows `path` through object literals and arrays; `missing` is returned when the first step finds nothing. */
function descend(start: Argument, path: readonly (string | number)[], atKey: boolean, missing?: Node): Node {
  let node: Argument = start;
  for (const [i, step] of path.entries()) {
    if (node.type === "SpreadElement") return node;
    const value = unwrapExpression(node);
    let next: Argument | null | undefined;
    if (typeof step === "string") {
      const property = propertyOf(value, step);
      if (property && atKey && i === path.length - 1) return property.key;
      next = property?.value;
    } else if (value.type === "ArrayExpression") next = value.elements[step];
    if (!next) return i === 0 && missing ? missing : node;
    node = next;
  }
  return node;
}

/** The last `key: value` property with this key (the one JavaScript keeps). */
function propertyOf(node: Argument | undefined, key: string): ObjectProperty | undefined {
  if (!node || node.type === "SpreadElement") return undefined;
  const object = unwrapExpression(node);
  if (object.type !== "ObjectExpression") return undefined;
  for (let i = object.properties.length - 1; i >= 0; i--) {
    const property = object.properties[i];
    if (property && property.type === "Property" && plainPropertyKey(property) === key) return property;
  }
  return undefined;
}
