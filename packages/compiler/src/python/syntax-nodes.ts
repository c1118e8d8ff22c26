/** Small readings of tree-sitter nodes that Python's own AST would give for free. */
import type { Node } from "web-tree-sitter";

/** Named children without comments and other extras, which tree-sitter leaves wherever they were written. */
export function syntaxChildren(node: Node): Node[] {
  return node.namedChildren.filter((child) => !child.isExtra);
}

/** An identifier as Python binds it: NFKC-normalized (PEP 3131), so `ｍvm` and `mvm` are one name. */
export function pythonName(identifier: Node): string {
  return identifier.text.normalize("NFKC");
}
