/** Argument checks shared by every helper; each failure names the argument's path and what was expected. */
import { declError, describeValue, isPlainObject, type DeclPath, type DeclValue } from "./values.ts";

export function expectString(value: DeclValue, path: DeclPath, { nonEmpty = true } = {}): string {
  if (typeof value !== "string") throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be a string, got ${describeValue(value)}`, path);
  if (nonEmpty && value.length === 0) throw declError("DECL_BAD_ARGUMENT", `${label(path)} must not be empty`, path);
  return value;
}

export function expectInteger(value: DeclValue, path: DeclPath, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be an integer, got ${describeValue(value)}`, path);
  }
  if (value < min || value > max) {
    throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be between ${min} and ${max}, got ${value}`, path);
  }
  return value;
}

export function expectBoolean(value: DeclValue, path: DeclPath): boolean {
  if (typeof value !== "boolean") throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be True/False (true/false), got ${describeValue(value)}`, path);
  return value;
}

export function expectStringList(value: DeclValue, path: DeclPath, { nonEmpty = false } = {}): string[] {
  if (!Array.isArray(value)) throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be a list of strings, got ${describeValue(value)}`, path);
  if (nonEmpty && value.length === 0) throw declError("DECL_BAD_ARGUMENT", `${label(path)} must not be an empty list`, path);
  return value.map((item, i) => expectString(item, [...path, i]));
}

export function expectObject(value: DeclValue, path: DeclPath): { [key: string]: DeclValue } {
  if (!isPlainObject(value)) throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be a dict/object, got ${describeValue(value)}`, path);
  return value;
}

export function expectPattern(value: string, pattern: RegExp, path: DeclPath, what: string): string {
  if (!pattern.test(value)) {
    throw declError("DECL_INVALID_NAME", `${what} ${JSON.stringify(value)} does not match ${pattern.source}`, path);
  }
  return value;
}

/** Rejects keys outside `allowed`, in the order they were written. */
export function expectKnownKeys(obj: { [key: string]: DeclValue }, allowed: readonly string[], path: DeclPath, owner: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw declError("DECL_UNKNOWN_KWARG", `${owner} got an unknown argument ${JSON.stringify(key)}`, [...path, key], `expected one of: ${allowed.join(", ")}`);
    }
  }
}

/** `undefined` and `null` both mean "not given" for optional arguments. */
export function given(value: DeclValue): value is Exclude<DeclValue, null | undefined> {
  return value !== undefined && value !== null;
}

export function label(path: DeclPath): string {
  if (path.length === 0) return "the value";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
