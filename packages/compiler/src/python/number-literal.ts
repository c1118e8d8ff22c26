/**
 * Python number literals. tree-sitter's grammar is looser than CPython's (it takes Python 2's `1L` and
 * `0777`), so each literal is checked against the Python 3 lexical rules before it is read.
 */
import { DeclFloat, MvmError } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import type { SourceText } from "./source-text.ts";

/** An int, a float, or the fact that the literal was imaginary (no declaration takes a complex). */
export type NumberLiteral = { kind: "int"; value: number } | { kind: "float"; value: DeclFloat } | { kind: "complex" };

const DIGITS = String.raw`\d(?:_?\d)*`;
const POINT_FLOAT = String.raw`(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.)`;
const EXPONENT = String.raw`[eE][+-]?${DIGITS}`;
const INTEGER = /^(?:0(?:_?0)*|[1-9](?:_?\d)*|0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)$/;
const FLOAT = new RegExp(String.raw`^(?:${POINT_FLOAT}(?:${EXPONENT})?|${DIGITS}${EXPONENT})$`);
const IMAGINARY = new RegExp(String.raw`^(?:${POINT_FLOAT}(?:${EXPONENT})?|${DIGITS}(?:${EXPONENT})?)[jJ]$`);

export function readNumber(node: Node, source: SourceText): NumberLiteral {
  const text = node.text;
  if (INTEGER.test(text)) {
    // BigInt keeps every digit; values past 2^53 are only ever compared against small ranges.
    return { kind: "int", value: Number(BigInt(text.replaceAll("_", ""))) };
  }
  if (FLOAT.test(text)) return { kind: "float", value: new DeclFloat(Number(text.replaceAll("_", ""))) };
  if (IMAGINARY.test(text)) return { kind: "complex" };
  const hint = /^0\d/.test(text) ? 'leading zeros are not allowed in Python 3; use an 0o prefix for octal' : undefined;
  throw new MvmError("COMPILE_SYNTAX", `invalid number literal ${JSON.stringify(text)}`, hint, { location: source.locate(node) });
}

/** `-n` and `+n`, the only operators `ast.literal_eval` folds into a number literal. */
export function negate(literal: NumberLiteral): NumberLiteral {
  if (literal.kind === "int") return { kind: "int", value: literal.value === 0 ? 0 : -literal.value };
  if (literal.kind === "float") return { kind: "float", value: new DeclFloat(-literal.value.value) };
  return literal;
}
