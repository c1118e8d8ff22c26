/**
 * Bundles mvmctl into packages/cli/dist/ so it starts like `node` does: no tsx loader, and zod, commander and
 * our packages loaded as a few files instead of hundreds (zod alone costs ~55 ms as separate ES modules,
 * ~0 bundled). Each command stays its own chunk, loaded only when that command runs. Code that finds files
 * next to its source with `import.meta.url` (the kernel fragment, host-packages.txt, the guest sources)
 * keeps finding them: the plugin below points each module's import.meta.url at its original source file,
 * relative to the bundle, so the checkout can move. Runs on `npm ci` (the root prepare script).
 */
import { readFile, rm } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = `${ROOT}packages/cli/dist`;

/** Packages that locate their own files at run time (wasm, native bindings) or run user code: not bundled. */
const EXTERNAL = ["web-tree-sitter", "tree-sitter-python", "oxc-parser", "tsx", "esbuild"];

const sourceUrls: Plugin = {
  name: "source-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\/(packages|guest)\/[^/]+\/.*\.ts$|\/(guest|bench)\/src\/.*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" };
      const here = `new URL(${JSON.stringify(relative(OUT, args.path))}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", here), loader: "ts" };
    });
  },
};

const started = Date.now();
await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: [`${ROOT}packages/cli/src/main.ts`],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  plugins: [sourceUrls],
  // Bundled CommonJS (commander) calls require(); give the ES module output a real one.
  banner: { js: 'import { createRequire as __mvmRequire } from "node:module"; const require = __mvmRequire(import.meta.url);' },
  logLevel: "warning",
});
process.stderr.write(`bundled mvmctl into ${relative(ROOT, OUT)} in ${Date.now() - started} ms\n`);
