/**
 * Turns `mvmctl invoke` inputs into the function's named arguments, checked against the parameters the
 * static parse recorded (launch.json → the image manifest → the instance record) before anything reaches
 * the guest. `--input k=v` text is coerced by the declared type; `--input-json` / `--input-file` values are
 * exact. A parameter with a default may be left out (the function's default applies in the guest).
 */
import { MvmError, type FunctionParam } from "@mvm/ir";

/** One input as the CLI received it. */
export type InputArg = { name: string; text: string } | { name: string; json: unknown };

/** What a declared type asks `k=v` text to become. */
type Coercion = "string" | "integer" | "number" | "boolean" | "array" | "object" | "text";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function buildInvokeInput(args: InputArg[], params: FunctionParam[] | null, language: "python" | "node", fn: string): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const seen = new Set<string>();
  const named = params?.filter((p) => IDENTIFIER.test(p.name)) ?? null;
  const takesAnyName = params?.some((p) => p.name.startsWith("**")) ?? true;
  for (const arg of args) {
    if (!IDENTIFIER.test(arg.name)) throw invalid(`input name ${JSON.stringify(arg.name)} is not a parameter name`, "write --input NAME=VALUE");
    if (seen.has(arg.name)) throw invalid(`input ${arg.name} is given twice`, `give ${arg.name} once`);
    seen.add(arg.name);
    const param = named?.find((p) => p.name === arg.name);
    if (named && !param && !takesAnyName) {
      throw invalid(`${fn} has no parameter ${arg.name}; its parameters are ${listParams(named)}`, `use one of: ${listParams(named)}`);
    }
    // Defined as an own property: a parameter may be called __proto__.
    Object.defineProperty(input, arg.name, {
      value: "json" in arg ? arg.json : coerceText(arg.name, arg.text, coercionFor(param?.type ?? null, language)),
      enumerable: true, writable: true, configurable: true,
    });
  }
  const missing = named?.filter((p) => !p.has_default && !seen.has(p.name)) ?? [];
  if (missing.length > 0) {
    const list = missing.map((p) => p.name).join(", ");
    throw invalid(`${fn} needs ${missing.length === 1 ? "input" : "inputs"} ${list}, which ${missing.length === 1 ? "was" : "were"} not given`,
      missing.map((p) => `--input ${p.name}=VALUE`).join(" "));
  }
  return input;
}

function listParams(params: FunctionParam[]): string {
  return params.length === 0 ? "(none)" : params.map((p) => `${p.name}${p.type ? `: ${p.type}` : ""}${p.has_default ? " (optional)" : ""}`).join(", ");
}

function invalid(message: string, hint: string): MvmError {
  return new MvmError("RUN_INPUT_INVALID", message, hint);
}

/** The coercion a type annotation, as written, asks for. Other types (Any, classes) and none keep the text. */
export function coercionFor(type: string | null, language: "python" | "node"): Coercion {
  if (type === null) return "text";
  // Python allows an annotation written as a string ("forward reference"): 'int' means int.
  const unquoted = language === "python" ? type.trim().replace(/^(['"])(.*)\1$/s, "$2") : type;
  const t = stripOptional(unquoted.trim(), language);
  if (language === "python") {
    const head = t.replace(/^typing\./, "").replace(/\[.*$/s, "");
    switch (head) {
      case "str": return "string";
      case "int": return "integer";
      case "float": return "number";
      case "bool": return "boolean";
      case "list": case "List": case "tuple": case "Tuple": case "set": case "Set": case "Sequence": return "array";
      case "dict": case "Dict": case "Mapping": return "object";
      default: return "text";
    }
  }
  if (t === "string" || /^(["'`]).*\1(\s*\|\s*(["'`]).*\3)*$/s.test(t)) return "string";
  if (t === "number") return "number";
  if (t === "boolean") return "boolean";
  if (/\[\]$/.test(t) || /^(readonly\s+)?\[/.test(t) || /^(Readonly)?Array</.test(t)) return "array";
  if (t.startsWith("{") || /^Record</.test(t) || t === "object") return "object";
  return "text";
}

/** `Optional[X]`, `X | None`, `X | undefined`, `X | null` → X. */
function stripOptional(t: string, language: "python" | "node"): string {
  const optional = /^(typing\.)?Optional\[(.*)\]$/s.exec(t);
  if (language === "python" && optional) return optional[2]!.trim();
  const none = language === "python" ? ["None"] : ["undefined", "null"];
  const parts = t.split("|").map((p) => p.trim());
  if (parts.length > 1 && !t.includes("[") && !t.includes("<") && !t.includes("{")) {
    const rest = parts.filter((p) => !none.includes(p));
    if (rest.length === 1) return rest[0]!;
  }
  return t;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function coerceText(name: string, text: string, to: Coercion): unknown {
  const fail = (expected: string, hint: string) =>
    invalid(`input ${name}=${JSON.stringify(text)} is not ${expected}`, hint);
  switch (to) {
    case "text":
    case "string":
      return text;
    case "integer": {
      if (!INTEGER.test(text)) throw fail("an integer (the parameter is declared int)", `write ${name}=42`);
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw fail("an integer JSON can carry exactly (|n| < 2^53)", `pass a smaller number, or a string with --input-json ${name}='"${text}"'`);
      return n;
    }
    case "number": {
      const n = Number(text);
      if (!DECIMAL.test(text) || !Number.isFinite(n)) throw fail("a finite number (the parameter is declared a number)", `write ${name}=1.5`);
      return n;
    }
    case "boolean": {
      const t = text.toLowerCase();
      if (t === "true" || t === "1") return true;
      if (t === "false" || t === "0") return false;
      throw fail("a boolean", `write ${name}=true or ${name}=false`);
    }
    case "array":
    case "object": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw fail(`a JSON ${to}`, `write ${name}='${to === "object" ? '{"k": 1}' : "[1, 2]"}'`);
      }
      if (to === "array" && !Array.isArray(value)) throw fail("a JSON array", `write ${name}='[1, 2]'`);
      if (to === "object" && (typeof value !== "object" || value === null || Array.isArray(value))) throw fail("a JSON object", `write ${name}='{"k": 1}'`);
      return value;
    }
    default:
      return to satisfies never;
  }
}
