/**
 * Syntax errors. tree-sitter recovers from errors and marks them (ERROR and MISSING nodes); the first
 * in document order is reported. Its grammar is also looser than CPython's in a few ways the SDK route
 * would fail on at compile time (Python 2 `print x`, a positional argument after a keyword one, a
 * repeated keyword), and those are checked here too, for every call in the file as CPython does.
 */
import { MvmError } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import type { SourceText } from "./source-text.ts";
import { pythonName } from "./syntax-nodes.ts";

/** The first ERROR or MISSING node, found by following the `hasError` flags down one path. */
export function firstParseError(root: Node, source: SourceText): MvmError | undefined {
  if (!root.hasError) return undefined;
  let node: Node | null = root;
  while (node && !node.isError && !node.isMissing) {
    node = node.children.find((child) => child.isError || child.isMissing || child.hasError) ?? null;
  }
  const at = node ?? root;
  if (at.isMissing) {
    return syntaxError(source, at, `invalid syntax: expected ${JSON.stringify(at.type)}`);
  }
  let firstToken = at;
  while (firstToken.firstChild) firstToken = firstToken.firstChild;
  const shown = firstToken.text.length > 30 ? `${firstToken.text.slice(0, 27)}...` : firstToken.text;
  return syntaxError(source, at, shown.length > 0 ? `invalid syntax near ${JSON.stringify(shown)}` : "invalid syntax");
}

/** Statements tree-sitter-python accepts for Python 2 compatibility; CPython 3 rejects them. */
export function python2Statement(node: Node, source: SourceText): MvmError {
  const keyword = node.type === "print_statement" ? "print" : "exec";
  return syntaxError(source, node, `Python 2 ${keyword} statement`, `call it: ${keyword}(...)`);
}

/** CPython's compile-time checks on one argument list; undefined when it is fine. */
export function checkArgumentList(node: Node, source: SourceText): MvmError | undefined {
  const seen = new Set<string>();
  let sawKeyword = false;
  let sawDictSplat = false;
  for (const arg of node.namedChildren) {
    if (arg.isExtra) continue;
    if (arg.type === "keyword_argument") {
      const name = arg.childForFieldName("name");
      if (!name) continue;
      const key = pythonName(name);
      if (seen.has(key)) {
        return new MvmError("DECL_DUPLICATE_KWARG", `keyword argument ${key} repeated`, "give each keyword once", { location: source.locate(name) });
      }
      seen.add(key);
      sawKeyword = true;
    } else if (arg.type === "dictionary_splat") {
      sawDictSplat = true;
    } else if (arg.type === "list_splat") {
      if (sawDictSplat) return syntaxError(source, arg, "iterable argument unpacking follows keyword argument unpacking");
    } else if (sawDictSplat) {
      return syntaxError(source, arg, "positional argument follows keyword argument unpacking");
    } else if (sawKeyword) {
      return syntaxError(source, arg, "positional argument follows keyword argument");
    }
  }
  return undefined;
}

function syntaxError(source: SourceText, node: Node, message: string, hint?: string): MvmError {
  return new MvmError("COMPILE_SYNTAX", message, hint, { location: source.locate(node) });
}
