/** Source positions of tree-sitter nodes, through the compiler's one UTF-16 → code-point index. */
import type { SourceLocation } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import { SourcePositions } from "../source-positions.ts";

export class SourceText {
  private readonly positions: SourcePositions;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.positions = new SourcePositions(file, text);
  }

  /** The location of a node: where it starts, and how many code points of its first line it covers. */
  locate(node: Node): SourceLocation {
    return this.positions.locate(node.startIndex, node.endIndex);
  }

  /** The location of the UTF-16 range [start, end), clamped to the text. */
  locateRange(start: number, end: number): SourceLocation {
    return this.positions.locate(start, end);
  }

  /** The first line, first column: where file-wide problems (no app at all) are reported. */
  start(): SourceLocation {
    return this.positions.start();
  }
}
