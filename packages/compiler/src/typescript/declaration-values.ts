/**
 * Reads the value of an expression in a declaration without running it: literals, lists, objects with
 * plain keys, and calls to mvm helpers, which run through the same lowering as the SDK (callHelperTs) in
 * source order, so the first error is the one the SDK would raise. Anything else is COMPILE_NON_LITERAL.
 */
import { callHelperTs, helperNames, isHelperName, MvmError, type DeclPath, type DeclValue } from "@mvm/ir";
import type { Argument, ArrayExpressionElement, CallExpression, Expression, ObjectPropertyKind, Span } from "oxc-parser";
import { helperErrorNode } from "./error-nodes.ts";
import { nonLiteralError } from "./non-literal.ts";
import { plainPropertyKey } from "./property-key.ts";
import type { SdkBindings } from "./sdk-bindings.ts";
import { sdkExportNamed } from "./sdk-references.ts";
import type { SourcePositions } from "../source-positions.ts";
import { unwrapExpression } from "./unwrap-expression.ts";

export interface ValueReader {
  positions: SourcePositions;
  bindings: SdkBindings;
}

/** `owner` and `path` only word the messages: e.g. owner "app", path ["env", "GREETING"]. */
export interface ValueContext {
  owner: string;
  path: DeclPath;
}

export function readValue(node: Expression | Argument, reader: ValueReader, ctx: ValueContext): DeclValue {
  if (node.type === "SpreadElement") throw nonLiteralError(reader.positions, node, ctx, "a spread");
  const value = unwrapExpression(node);
  switch (value.type) {
    case "Literal":
      if (typeof value.value === "string" || typeof value.value === "number" || typeof value.value === "boolean" || value.value === null) {
        if ("regex" in value || "bigint" in value) break;
        return value.value;
      }
      break;
    case "TemplateLiteral": {
      const [only] = value.quasis;
      if (value.expressions.length === 0 && only && only.value.cooked !== null) return only.value.cooked;
      break;
    }
    case "Identifier":
      if (value.name === "undefined") return undefined;
      break;
    case "UnaryExpression": {
      const operand = unwrapExpression(value.argument);
      if (value.operator === "-" && operand.type === "Literal" && typeof operand.value === "number") return -operand.value;
      break;
    }
    case "ArrayExpression":
      return value.elements.map((element, i) => {
        const path = [...ctx.path, i];
        if (element === null) throw nonLiteralError(reader.positions, holeSpan(value.elements, i, value.start), { owner: ctx.owner, path }, "an empty slot");
        return readValue(element, reader, { owner: ctx.owner, path });
      });
    case "ObjectExpression":
      return readObject(value.properties, reader, ctx);
    case "CallExpression":
      return readHelperCall(value, reader, ctx);
  }
  throw nonLiteralError(reader.positions, value, ctx);
}

/** An empty slot has no node: point at the comma after the element before it (or the opening bracket). */
function holeSpan(elements: ArrayExpressionElement[], index: number, arrayStart: number): Span {
  const before = elements.slice(0, index).reverse().find((e) => e !== null);
  const start = before ? before.end : arrayStart;
  return { start, end: start + 1 };
}

function readObject(properties: ObjectPropertyKind[], reader: ValueReader, ctx: ValueContext): DeclValue {
  // A fresh ordinary object, filled by assignment, keeps JavaScript's own key order and duplicate-key rules.
  const result: { [key: string]: DeclValue } = {};
  for (const property of properties) {
    if (property.type === "SpreadElement") throw nonLiteralError(reader.positions, property, ctx, "a spread");
    const key = plainPropertyKey(property);
    if (key === undefined) throw nonLiteralError(reader.positions, property, ctx, propertyShape(property));
    result[key] = readValue(property.value, reader, { owner: ctx.owner, path: [...ctx.path, key] });
  }
  return result;
}

function propertyShape(property: Exclude<ObjectPropertyKind, { type: "SpreadElement" }>): string {
  if (property.shorthand) return "a shorthand property";
  if (property.computed) return "a computed key";
  if (property.method || property.kind !== "init") return "a method or accessor";
  return "a key that is not a name, string or number";
}

/** Reads `mvm.helper(...)`: arguments first, in order, then the helper itself, as JavaScript evaluates a call. */
export function readHelperCall(call: CallExpression, reader: ValueReader, ctx: ValueContext): DeclValue {
  const name = sdkExportNamed(call.callee, reader.bindings);
  if (name === undefined) throw nonLiteralError(reader.positions, call, ctx);
  if (name === "app") {
    throw new MvmError("COMPILE_NOT_MODULE_LEVEL", "mvm.app(...) is called inside another declaration", "declare the app once, as a top-level statement",
      { location: locate(reader, call.callee) });
  }
  const args = call.arguments.map((arg, i) => readValue(arg, reader, { owner: name, path: [i] }));
  if (!isHelperName(name, "node")) {
    throw new MvmError("DECL_UNKNOWN_HELPER", `${name} is not an mvm helper`, `the helpers are: ${helperNames("node").join(", ")}`,
      { location: locate(reader, call.callee) });
  }
  // `f(x)` and `f(x, undefined)` are the same call, as in the SDK.
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  try {
    return callHelperTs(name, args);
  } catch (err) {
    if (err instanceof MvmError) err.at(locate(reader, helperErrorNode(call, err)));
    throw err;
  }
}

export function locate(reader: ValueReader, node: Span): ReturnType<SourcePositions["locate"]> {
  return reader.positions.locate(node.start, node.end);
}
