/** COMPILE_NON_LITERAL: what was found where a literal was expected, and how to write it instead. */
import { MvmError, type DeclPath } from "@mvm/ir";
import type { Node, Span } from "oxc-parser";
import type { SourcePositions } from "../source-positions.ts";

const GENERAL_HINT = "mvmctl compile reads the file without running it: write a string, number, boolean, null, list, object or an mvm helper call";

/** `node` is what was found; a bare span stands for something with no node of its own (an empty list slot). */
export function nonLiteralError(positions: SourcePositions, node: Node | Span, ctx: { owner: string; path: DeclPath }, shape?: string): MvmError {
  const where = describeWhere(ctx.owner, ctx.path);
  const found = shape ?? `\`${excerpt(positions, node)}\``;
  return new MvmError("COMPILE_NON_LITERAL", `${where} must be a literal, got ${found}`, hintFor("type" in node ? node : null, shape), {
    location: positions.locate(node.start, node.end),
  });
}

function hintFor(node: Node | null, shape: string | undefined): string {
  if (shape === "a spread") return "spreads are not read statically; write the entries out";
  if (shape === "a shorthand property") return "write `key: value` with the value itself";
  if (shape === "a computed key") return "use a plain key: `name: value` or `\"name\": value`";
  if (shape === "an empty slot") return "remove the empty slot between the commas";
  if (!node) return GENERAL_HINT;
  switch (node.type) {
    case "TemplateLiteral":
      return "template literals with substitutions are not literals; use a plain string";
    case "Identifier":
      return `${node.name} is a variable; ${GENERAL_HINT}`;
    case "CallExpression":
      return "only mvm helpers can be called in a declaration (mvm.local_path, mvm.python_image, mvm.secret, ...)";
    case "BinaryExpression":
      return "write the computed value itself, e.g. 256 rather than 128 * 2";
    case "Literal":
      return "bigint and regular-expression literals are not declaration values; use a plain number or string";
    default:
      return GENERAL_HINT;
  }
}

function describeWhere(owner: string, path: DeclPath): string {
  const tail = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
  if (owner === "app") return tail ? `app option ${tail}` : "the app options";
  return tail ? `argument ${tail} of ${owner}(...)` : `an argument of ${owner}(...)`;
}

function excerpt(positions: SourcePositions, node: Span): string {
  const text = positions.slice(node.start, node.end).split("\n")[0] ?? "";
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
