/**
 * The one tree-sitter Python parser of the process. Loading the two wasm modules costs tens of
 * milliseconds, so it happens once, on first use, and every later parse reuses the same parser.
 */
import { createRequire } from "node:module";
import { Language, Parser, type Tree } from "web-tree-sitter";

const require = createRequire(import.meta.url);

let ready: Promise<Parser> | undefined;

function loadParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const python = await Language.load(require.resolve("tree-sitter-python/tree-sitter-python.wasm"));
    const parser = new Parser();
    parser.setLanguage(python);
    return parser;
  })();
  return ready;
}

/**
 * Parses Python source. Positions in the returned tree are UTF-16 code unit offsets into `text`
 * (web-tree-sitter reads JavaScript strings as UTF-16), which `SourceText` turns into code points.
 * The caller must `delete()` the tree: it lives in wasm memory, not on the JS heap.
 */
export async function parsePython(text: string): Promise<Tree> {
  const parser = await loadParser();
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree for a complete input; this is a parser bug");
  return tree;
}
