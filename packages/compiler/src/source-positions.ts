/**
 * Both parsers report UTF-16 offsets (oxc-parser natively; web-tree-sitter because it reads JavaScript
 * strings); mvm diagnostics count columns in Unicode code points (DESIGN.md §2), so a column after "é😀"
 * is 4, not 5 (UTF-16) or 7 (UTF-8). This index turns one into the other for a single file.
 */
import type { SourceLocation } from "@mvm/ir";

export class SourcePositions {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** The location of the UTF-16 span [start, end): 1-based line and code-point column; the caret stays on the first line. */
  locate(start: number, end: number = start + 1): SourceLocation {
    const offset = Math.max(0, Math.min(start, this.text.length));
    const lineIndex = this.lineIndexOf(offset);
    const lineStart = this.lineStarts[lineIndex] ?? 0;
    const lineEnd = (this.lineStarts[lineIndex + 1] ?? this.text.length + 1) - 1;
    const column = codePoints(this.text.slice(lineStart, offset)) + 1;
    const length = Math.max(1, codePoints(this.text.slice(offset, Math.min(Math.max(end, offset), lineEnd))));
    return { file: this.file, line: lineIndex + 1, column, length };
  }

  /** The first line, first column: where file-wide problems (no app at all) are reported. */
  start(): SourceLocation {
    return { file: this.file, line: 1, column: 1, length: 1 };
  }

  /** The source text of a span, exactly as written. */
  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  private lineIndexOf(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** Code points in a string; a lone surrogate counts as one, as `[...s]` does. */
function codePoints(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
