import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SourceLocation } from "@mvm/ir";

const SDK_DIR = fileURLToPath(new URL(".", import.meta.url));

/**
 * The user's call site of an SDK function, from the V8 stack (tsx maps it back to the .ts source).
 * Columns are converted from UTF-16 units to code points, as every mvm diagnostic counts them.
 */
export function userCallSite(): SourceLocation | undefined {
  const frames = (new Error().stack ?? "").split("\n").slice(1);
  for (const frame of frames) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!match) continue;
    const file = match[1]!.startsWith("file://") ? fileURLToPath(match[1]!) : match[1]!;
    if (file.startsWith(SDK_DIR) || file.includes("/node_modules/")) continue;
    const line = Number(match[2]);
    return { file, line, column: codePointColumn(file, line, Number(match[3])) };
  }
  return undefined;
}

function codePointColumn(file: string, line: number, utf16Column: number): number {
  try {
    const text = readFileSync(file, "utf8").split("\n")[line - 1] ?? "";
    return [...text.slice(0, utf16Column - 1)].length + 1;
  } catch {
    return utf16Column;
  }
}
