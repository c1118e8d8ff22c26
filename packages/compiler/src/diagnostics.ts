/**
 * Renders an MvmError the way a good compiler does: `file:line:col: error[CODE]: message`, the source
 * line with a caret under the offending code (columns in code points), and the hint.
 */
import type { MvmError } from "@mvm/ir";

export function renderDiagnostic(err: MvmError, sourceText?: string): string {
  const head = `${err.location ? `${err.location.file}:${err.location.line}:${err.location.column}: ` : ""}error[${err.code}]: ${err.message}`;
  const lines = [head];
  const loc = err.location;
  const sourceLine = loc && sourceText !== undefined ? sourceText.split(/\r?\n/)[loc.line - 1] : undefined;
  if (loc && sourceLine !== undefined) {
    const width = Math.max(5, String(loc.line).length + 1);
    const chars = [...sourceLine];
    const start = Math.min(loc.column - 1, chars.length);
    const caret = Math.max(1, Math.min(loc.length ?? 1, chars.length - start));
    // Keep tabs in the padding so the caret lines up under tab-indented code.
    const padding = chars.slice(0, start).map((c) => (c === "\t" ? "\t" : " ")).join("");
    lines.push(`${String(loc.line).padStart(width)} | ${sourceLine}`);
    lines.push(`${" ".repeat(width)} | ${padding}${"^".repeat(caret)}`);
  }
  if (err.hint) lines.push(`hint: ${err.hint}`);
  return lines.join("\n");
}
