import type { ObjectProperty } from "oxc-parser";

/**
 * The key a plain `key: value` property defines, as JavaScript would: `name`, `"name"` and `1` (→ "1").
 * Computed keys, shorthands, methods and accessors are not plain and give undefined.
 */
export function plainPropertyKey(property: ObjectProperty): string | undefined {
  if (property.computed || property.shorthand || property.method || property.kind !== "init") return undefined;
  const key = property.key;
  if (key.type === "Identifier") return key.name;
  if (key.type === "Literal" && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  return undefined;
}
