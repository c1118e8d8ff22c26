/**
 * Source positions for diagnostics. tree-sitter reports UTF-16 offsets; DESIGN.md §2 wants 1-based lines
 * and columns counted in Unicode code points, so a column after "é😀" is 4, not 5 (UTF-16) or 7 (UTF-8).
 */
import type { SourceLocation } from "@mvm/ir";
import type { Node } from "web-tree-sitter";

export class SourceText {
  /** UTF-16 offset of the first character of each line (lines end at "\n", as tree-sitter counts rows). */
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.lineStarts.push(i + 1);
  }

  /** The location of a node: where it starts, and how many code points of its first line it covers. */
  locate(node: Node): SourceLocation {
    return this.locateRange(node.startIndex, node.endIndex);
  }

  /** The location of the UTF-16 range [start, end), clamped to the text. */
  locateRange(start: number, end: number): SourceLocation {
    const from = Math.max(0, Math.min(start, this.text.length));
    const lineIndex = this.lineOf(from);
    const lineStart = this.lineStarts[lineIndex] ?? 0;
    const lineEnd = this.lineStarts[lineIndex + 1] ?? this.text.length + 1;
    const to = Math.max(from, Math.min(end, lineEnd - 1, this.text.length));
    return {
      file: this.file,
      line: lineIndex + 1,
      column: codePoints(this.text.slice(lineStart, from)) + 1,
      length: Math.max(1, codePoints(this.text.slice(from, to))),
    };
  }

  /** The first line, first column: where file-wide problems (no app at all) are reported. */
  start(): SourceLocation {
    return { file: this.file, line: 1, column: 1, length: 1 };
  }

  private lineOf(offset: number): number {
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

function codePoints(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; a lone surrogate counts as one too.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
