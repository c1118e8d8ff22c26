/**
 * The neutral value model a declaration is lowered from. The TypeScript SDK builds it from run-time
 * values; the static compiler builds it from literals in the AST. Both then run the same lowering, so
 * the IR and the error codes cannot drift between the two routes.
 */
import { MvmError } from "../errors.ts";
import type { ErrorCode } from "../error-codes.ts";
import type { Addon, EnvValue, HookCmd, Image, Network, Resources, Source } from "../schema.ts";

export type HelperResult =
  | { kind: "source"; value: Source }
  | { kind: "image"; value: Image }
  | { kind: "resources"; value: Resources }
  | { kind: "network"; value: Network }
  | { kind: "env"; value: EnvValue }
  | { kind: "hook"; value: HookCmd }
  | { kind: "entrypoint"; value: { module: string; function: string; primary: boolean } }
  | { kind: "addon"; value: Addon };

/** What a helper call evaluates to: the helper's canonical (snake_case) name and its lowered fragment. */
export class HelperValue {
  constructor(
    readonly helper: string,
    readonly result: HelperResult,
  ) {}
}

/** A Python float literal. Kept apart from numbers so `cpu_cores=1.0` is refused as in the Python SDK. */
export class DeclFloat {
  constructor(readonly value: number) {}
}

export type DeclValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | DeclFloat
  | HelperValue
  | DeclValue[]
  | { [key: string]: DeclValue };

export type DeclPath = (string | number)[];

/** The declaring file's language; decides the entrypoint's `language` and which spellings are accepted. */
export type DeclLanguage = "python" | "node";

export function declError(code: ErrorCode, message: string, path: DeclPath, hint?: string): MvmError {
  return new MvmError(code, message, hint, { path });
}

export function isPlainObject(value: unknown): value is { [key: string]: DeclValue } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short, language-neutral rendering of a value for "got …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "None/null";
  if (value instanceof DeclFloat) return `the float ${value.value}`;
  if (value instanceof HelperValue) return `mvm.${value.helper}(...)`;
  if (typeof value === "string") return value.length > 40 ? `a string (${JSON.stringify(value.slice(0, 37))}...)` : `the string ${JSON.stringify(value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isPlainObject(value)) return "a dict/object";
  if (typeof value === "function") return "a function";
  return `a ${typeof value}`;
}
