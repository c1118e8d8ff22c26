/**
 * Where each part of an evaluated declaration came from. The shared lowering reports errors by path
 * (["env", "API_KEY"], ["ports", 0, "guest"]) and knows nothing of source text; this parallel tree turns
 * such a path back into the AST node the user wrote, so the diagnostic's caret lands on it.
 */
import type { ErrorCode } from "@mvm/ir";
import type { Node } from "web-tree-sitter";

export interface ValueShape {
  /** The expression that produced the value. */
  node: Node;
  /** List and tuple elements, by index. */
  items?: ValueShape[];
  /** Dict entries by key (the last duplicate wins, as in Python), each with its key node. */
  entries?: Map<string, KeyedShape>;
  /** Set on helper calls: a path never descends into one, whose own errors were located when it ran. */
  isHelperCall?: boolean;
}

/** A keyword argument or dict entry: the name or key as written, and its value. */
export interface KeyedShape {
  keyNode: Node;
  value: ValueShape;
}

/** Codes whose path ends at a key that is itself the defect, so the caret goes on the key, not its value. */
const KEY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["DECL_UNKNOWN_KWARG", "DECL_DUPLICATE_KWARG", "DECL_INVALID_NAME"]);

/**
 * The node a lowering error's path points at, within one call: its keyword arguments (and the one
 * positional argument, which a path names by parameter name or by index). Falls back to `callNode`,
 * then to the deepest node the path reaches.
 */
export function nodeForPath(
  callNode: Node,
  keywords: ReadonlyMap<string, KeyedShape>,
  positional: readonly ValueShape[],
  path: readonly (string | number)[],
  code: ErrorCode,
): Node {
  const [head, ...rest] = path;
  let keyed: KeyedShape | undefined;
  let shape: ValueShape | undefined;
  if (typeof head === "number") shape = positional[head];
  else if (head !== undefined) {
    keyed = keywords.get(head);
    // A helper names its positional parameter ("path", "name", "cmd"), not the index it came in at.
    shape = keyed?.value ?? positional[0];
  }
  if (!shape) return callNode;
  for (const step of rest) {
    if (shape.isHelperCall) break;
    const next: KeyedShape | ValueShape | undefined = typeof step === "number" ? shape.items?.[step] : shape.entries?.get(step);
    if (next === undefined) return shape.node;
    if ("keyNode" in next) {
      keyed = next;
      shape = next.value;
    } else {
      keyed = undefined;
      shape = next;
    }
  }
  const pointsAtKey = keyed !== undefined && KEY_CODES.has(code) && (rest.length > 0 || code !== "DECL_INVALID_NAME");
  return pointsAtKey && keyed ? keyed.keyNode : shape.node;
}
