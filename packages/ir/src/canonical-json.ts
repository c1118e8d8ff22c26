import { createHash } from "node:crypto";
import { MvmError } from "./errors.ts";

/**
 * Canonical JSON (DESIGN.md §2): keys sorted by UTF-16 code unit at every level, no whitespace, integers
 * only, strings escaped as ECMAScript's JSON.stringify escapes them (lone surrogates as \udxxx).
 * Returns the text; `canonicalBytes` gives the UTF-8 bytes that `irHash` hashes.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, [], new Set());
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

/** Lowercase hex sha256 of the canonical bytes (without the trailing newline of the printed form). */
export function irHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The printed and written form: canonical bytes followed by one newline. */
export function canonicalDocument(value: unknown): string {
  return `${canonicalJson(value)}\n`;
}

function encode(value: unknown, path: (string | number)[], seen: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(value)) fail(`${value} is not a safe integer`, path);
      return Object.is(value, -0) ? "0" : String(value);
    case "object":
      break;
    default:
      fail(`a ${typeof value} has no JSON form`, path);
  }
  const obj = value as object;
  if (seen.has(obj)) fail("the value contains a cycle", path);
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((item, i) => encode(item, [...path, i], seen)).join(",")}]`;
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) fail("only plain objects and arrays have a JSON form", path);
    const record = obj as Record<string, unknown>;
    // Array.prototype.sort compares strings by UTF-16 code units, which is the canonical order.
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${encode(record[k], [...path, k], seen)}`).join(",")}}`;
  }
  seen.delete(obj);
  return out;
}

function fail(message: string, path: (string | number)[]): never {
  throw new MvmError("IR_NOT_CANONICAL", `${message} at ${formatJsonPath(path)}`);
}

/** `$.apps[0].env.API_KEY` — the JSON path form every validation message uses. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${acc}.${name}` : `${acc}[${JSON.stringify(name)}]`;
  }, "$");
}
