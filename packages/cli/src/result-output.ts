/**
 * How `mvmctl invoke` prints a result: a string raw with one newline; anything else as JSON with keys
 * sorted at every level and no whitespace (the IR's canonical form, except that non-integer numbers are
 * allowed — a function may return 2.5).
 */
export function resultText(value: unknown): string {
  return typeof value === "string" ? `${value}\n` : `${sortedJson(value)}\n`;
}

export function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    // defineProperty: a result may have a key named __proto__.
    Object.defineProperty(out, key, { value: sortKeys((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
