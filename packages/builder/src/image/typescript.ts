/**
 * TypeScript in the app tree becomes ESM JavaScript at build time (the guest runs plain `node`): types are
 * stripped by esbuild, each file on its own (no bundling of the app), relative imports of `.ts` files are
 * rewritten to the compiled names, and linked source maps keep the user's lines for tracebacks
 * (the image runs node with --enable-source-maps). `.ts`/`.tsx` → `.js`, `.mts` → `.mjs`, `.cts` → `.cjs`.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import { build, type Message, type Plugin } from "esbuild";
import { MvmError } from "@mvm/ir";

const COMPILED_EXTENSION: Readonly<Record<string, string>> = { ".ts": ".js", ".tsx": ".js", ".mts": ".mjs", ".cts": ".cjs" };
const CANDIDATES = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", "/index.ts", "/index.js"];

/** The file a TypeScript source compiles to, or undefined for anything that is not compiled. */
export function compiledName(file: string): string | undefined {
  if (/\.d\.[mc]?ts$/.test(file)) return undefined;
  const to = COMPILED_EXTENSION[extname(file)];
  return to ? file.slice(0, -extname(file).length) + to : undefined;
}

/** Rewrites a relative specifier to what the guest will find: `./util.ts` → `./util.js`, `./util` → `./util.js` when util.ts exists. */
function guestSpecifier(specifier: string, importerDir: string): string {
  if (!/^\.\.?\//.test(specifier)) return specifier;
  const compiled = compiledName(specifier);
  if (compiled) return compiled;
  if (extname(specifier) && !specifier.endsWith("/")) return specifier;
  for (const suffix of CANDIDATES) {
    if (existsSync(resolve(importerDir, specifier + suffix))) return compiledName(specifier + suffix) ?? specifier + suffix;
  }
  return specifier;
}

/** Keeps every import as an import (nothing is bundled) while fixing its specifier for the guest. */
const guestImports: Plugin = {
  name: "mvm-guest-imports",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      return { path: guestSpecifier(args.path, args.resolveDir), external: true };
    });
  },
};

async function typeScriptFiles(dir: string, rel = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory() && entry.name !== "node_modules") found.push(...(await typeScriptFiles(dir, path)));
    else if (entry.isFile() && compiledName(path)) found.push(path);
  }
  return found.sort();
}

/**
 * Compiles every TypeScript file under `appDir` next to itself. `sourceDir` is where the same files live in
 * the compile output, so an error points at the user's copy. Returns the compiled files (relative paths).
 */
export async function compileTypeScriptTree(appDir: string, sourceDir: string): Promise<string[]> {
  const files = await typeScriptFiles(appDir);
  const outputs = files.map((f) => compiledName(f) as string);
  for (const [i, out] of outputs.entries()) {
    const clash = files.find((f, j) => j !== i && outputs[j] === out) ?? (existsSync(join(appDir, out)) ? out : undefined);
    if (clash) {
      throw new MvmError("BUILD_TRANSPILE_FAILED", `${join(sourceDir, files[i] as string)} compiles to ${out}, which ${clash === out ? "already exists" : `${clash} also compiles to`} in ${sourceDir}`,
        "rename one of them: the guest runs the compiled JavaScript");
    }
  }
  for (const [i, file] of files.entries()) {
    try {
      await build({
        entryPoints: [join(appDir, file)],
        outfile: join(appDir, outputs[i] as string),
        absWorkingDir: appDir,
        bundle: true,
        plugins: [guestImports],
        format: file.endsWith(".cts") ? "cjs" : "esm",
        platform: "node",
        target: "es2022",
        sourcemap: "linked",
        logLevel: "silent",
      });
    } catch (err) {
      const first = (err as { errors?: Message[] }).errors?.[0];
      const where = first?.location;
      const at = where ? { file: join(sourceDir, relative(appDir, resolve(appDir, where.file))), line: where.line, column: where.column + 1 } : undefined;
      throw new MvmError("BUILD_TRANSPILE_FAILED", `cannot compile ${join(sourceDir, file)} to JavaScript: ${first?.text ?? (err as Error).message}`,
        "fix the TypeScript error (tsx/tsc shows the same), then build again", { cause: err, location: at });
    }
  }
  return outputs;
}
