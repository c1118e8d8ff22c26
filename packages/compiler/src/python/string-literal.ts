/**
 * Python string literals decoded exactly as CPython's tokenizer does, so the static route sees the same
 * str the SDK sees at run time: prefixes, triple quotes, implicit concatenation, universal newlines
 * ("\r\n" inside a literal reads as "\n") and every escape except \N{...}, which needs the Unicode name
 * database and is refused with a hint instead of being guessed.
 */
import { MvmError } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import type { SourceText } from "./source-text.ts";

/** A str literal's value, or the fact that it was a bytes literal (which no declaration accepts). */
export type StringLiteral = { kind: "str"; value: string } | { kind: "bytes" };

const SIMPLE_ESCAPES = new Map<string, string>([
  ["\\", "\\"], ["'", "'"], ["\"", "\""], ["a", "\x07"], ["b", "\b"], ["f", "\f"], ["n", "\n"], ["r", "\r"], ["t", "\t"], ["v", "\v"],
]);

/** Decodes a `string` or `concatenated_string` node. Mixing bytes and str is a SyntaxError, as in CPython. */
export function decodeStringNode(node: Node, source: SourceText): StringLiteral {
  const parts = node.type === "concatenated_string" ? node.namedChildren.filter((c) => c.type === "string") : [node];
  let value = "";
  let sawBytes = false;
  let sawStr = false;
  for (const part of parts) {
    const piece = decodeOne(part, source);
    if (piece.kind === "bytes") sawBytes = true;
    else {
      sawStr = true;
      value += piece.value;
    }
    if (sawBytes && sawStr) {
      throw new MvmError("COMPILE_SYNTAX", "cannot mix bytes and str literals", undefined, { location: source.locate(part) });
    }
  }
  return sawBytes ? { kind: "bytes" } : { kind: "str", value };
}

function decodeOne(node: Node, source: SourceText): StringLiteral {
  const text = node.text;
  const quoteAt = text.search(/['"]/);
  const prefix = text.slice(0, Math.max(0, quoteAt)).toLowerCase();
  if (prefix.includes("f") || prefix.includes("t")) {
    const kind = prefix.includes("f") ? "f-strings" : "t-strings";
    throw new MvmError("COMPILE_NON_LITERAL", `${kind} are evaluated at run time, so the static compiler cannot read this value`,
      `${kind} are not literals; use a plain string`, { location: source.locate(node) });
  }
  if (quoteAt < 0 || !/^(|r|u|b|br|rb)$/.test(prefix)) {
    throw new MvmError("COMPILE_SYNTAX", `invalid string prefix ${JSON.stringify(text.slice(0, Math.max(0, quoteAt)))}`, undefined, { location: source.locate(node) });
  }
  const quoteChar = text.charAt(quoteAt);
  const quote = text.startsWith(quoteChar.repeat(3), quoteAt) && text.length - quoteAt >= 6 ? quoteChar.repeat(3) : quoteChar;
  const bodyStart = quoteAt + quote.length;
  const body = text.slice(bodyStart, text.length - quote.length);
  const isBytes = prefix.includes("b");
  const isRaw = prefix.includes("r");
  const fail = (offset: number, length: number, message: string, code: "COMPILE_SYNTAX" | "COMPILE_NON_LITERAL" = "COMPILE_SYNTAX", hint?: string): never => {
    const start = node.startIndex + bodyStart + offset;
    throw new MvmError(code, message, hint, { location: source.locateRange(start, start + length) });
  };
  if (isBytes) {
    const nonAscii = body.search(/[^\x00-\x7f]/);
    if (nonAscii >= 0) fail(nonAscii, 1, "bytes can only contain ASCII literal characters");
    if (!isRaw) decodeEscapes(body, true, fail);
    return { kind: "bytes" };
  }
  return { kind: "str", value: isRaw ? body.replace(/\r\n?/g, "\n") : decodeEscapes(body, false, fail) };
}

type Fail = (offset: number, length: number, message: string, code?: "COMPILE_SYNTAX" | "COMPILE_NON_LITERAL", hint?: string) => never;

/** CPython's unicode-escape rules (bytes literals skip \u, \U and \N, which they keep verbatim). */
function decodeEscapes(body: string, isBytes: boolean, fail: Fail): string {
  let out = "";
  let i = 0;
  while (i < body.length) {
    const ch = body.charAt(i);
    if (ch === "\r") {
      out += "\n";
      i += body.charAt(i + 1) === "\n" ? 2 : 1;
      continue;
    }
    if (ch !== "\\") {
      out += ch;
      i++;
      continue;
    }
    const next = body.charAt(i + 1);
    if (next === "\n" || next === "\r") {
      i += body.startsWith("\r\n", i + 1) ? 3 : 2;
      continue;
    }
    const simple = SIMPLE_ESCAPES.get(next);
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += 1 + octal[0].length;
      continue;
    }
    const width = next === "x" ? 2 : !isBytes && next === "u" ? 4 : !isBytes && next === "U" ? 8 : 0;
    if (width > 0) {
      const digits = body.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) fail(i, 2 + digits.length, `truncated \\${next} escape: expected ${width} hex digits`);
      const codePoint = parseInt(digits, 16);
      if (codePoint > 0x10ffff) fail(i, 2 + width, `illegal Unicode character \\${next}${digits}`);
      out += String.fromCodePoint(codePoint);
      i += 2 + width;
      continue;
    }
    if (!isBytes && next === "N") {
      fail(i, 2, "\\N{...} escapes are not read by the static compiler", "COMPILE_NON_LITERAL",
        "write the character itself, or use \\uXXXX / \\UXXXXXXXX");
    }
    // An unknown escape keeps its backslash, as CPython does (with a warning).
    out += ch;
    i++;
  }
  return out;
}
