/**
 * mvm-sdk as users get it: one self-contained ESM file (`@mvm/ir` and zod inlined, so no private workspace
 * package is imported) plus `.d.ts` types that reach nothing outside the package. The same bundle is what
 * `mvmctl build` puts into every image at GUEST_NODE_SDK_DIR, so `import * as mvm from "mvm-sdk"` resolves
 * in the guest too. `npm pack` packs it (scripts/prepack.ts).
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build, version as esbuildVersion } from "esbuild";

const SDK_DIR = fileURLToPath(new URL("..", import.meta.url));
const IR_SRC = join(SDK_DIR, "..", "ir", "src");
const ENTRY = join(SDK_DIR, "src", "index.ts");

interface SdkPackageJson {
  name: string;
  version: string;
  description: string;
}

/** The package.json users install: no dependencies, the bundle and its types under `prefix` ("./" or "./dist/"). */
export function publishManifest(pkg: SdkPackageJson, prefix: string, types = true): Record<string, unknown> {
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    type: "module",
    engines: { node: ">=20" },
    exports: { ".": types ? { types: `${prefix}index.d.ts`, default: `${prefix}index.js` } : `${prefix}index.js` },
    ...(types ? { types: `${prefix}index.d.ts` } : {}),
    ...(prefix === "./" ? {} : { files: [prefix.slice(2, -1)] }),
    sideEffects: true,
  };
}

async function sdkPackageJson(): Promise<SdkPackageJson> {
  return JSON.parse(await readFile(join(SDK_DIR, "package.json"), "utf8")) as SdkPackageJson;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

/**
 * A hash of everything the bundle is made from (both packages' sources, this script, esbuild's version and
 * the resolved zod), so a builder can cache the bundle without making it first.
 */
export async function sdkBundleKey(): Promise<string> {
  const h = createHash("sha256").update(`mvm-sdk-bundle\0esbuild ${esbuildVersion}\0`);
  const zod = await readFile(fileURLToPath(import.meta.resolve("zod/package.json", `file://${IR_SRC}/`)));
  h.update(zod);
  for (const file of [fileURLToPath(import.meta.url), join(SDK_DIR, "package.json"), ...(await sourceFiles(join(SDK_DIR, "src"))), ...(await sourceFiles(IR_SRC))]) {
    h.update(`${relative(SDK_DIR, file)}\0`).update(await readFile(file));
  }
  return h.digest("hex");
}

export interface BundleOptions {
  /** Also write `.d.ts` files (needs the repo's TypeScript; images do not need types). */
  types?: boolean;
}

/** Writes a self-contained package into `outDir` (removed first): package.json, index.js, README (+ `.d.ts` with `types`). */
export async function bundleSdk(outDir: string, options: BundleOptions = {}): Promise<void> {
  const pkg = await sdkPackageJson();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [ENTRY],
    outfile: join(outDir, "index.js"),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // zod's locale tables alone are ~360 KB unminified, and the guest parses this file under TCG at every cold start.
    minify: true,
    keepNames: true,
    legalComments: "eof",
    logLevel: "silent",
    banner: { js: `// ${pkg.name} ${pkg.version}: one self-contained file, bundled from the mvm repository (the SDK, its IR package and zod).` },
  });
  await writeFile(join(outDir, "package.json"), `${JSON.stringify(publishManifest(pkg, "./", options.types), null, 2)}\n`);
  await cp(join(SDK_DIR, "README.md"), join(outDir, "README.md"));
  if (options.types) await writeTypes(outDir);
}

/** TypeScript's own CLI (its package exports no `bin/` path, so it is found beside its package.json). */
const tsc = () => join(dirname(fileURLToPath(import.meta.resolve("typescript/package.json"))), "bin", "tsc");

/** Declarations for a program rooted at `entry`, emitted into a temp dir; returns that dir. */
async function emitDeclarations(entry: string, into: string): Promise<void> {
  const config = join(into, "tsconfig.json");
  await writeFile(config, JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, allowImportingTsExtensions: true,
      declaration: true, emitDeclarationOnly: true, skipLibCheck: true, types: ["node"], lib: ["ES2022"],
      typeRoots: [join(SDK_DIR, "..", "..", "node_modules", "@types")], rootDir: dirname(entry), outDir: join(into, "out"),
    },
    files: [entry],
  }));
  await promisify(execFile)(process.execPath, [tsc(), "-p", config]);
}

const FROM_IR = /(import|export)\s*(type\s*)?\{([^}]*)\}\s*from\s*"@mvm\/ir";/g;
const RELATIVE_TS = /(from\s*"|import\(")(\.\.?\/[^"]*)\.ts"/g;

/**
 * The SDK's declarations, with every `@mvm/ir` import pointed at the one ir declaration file that declares
 * the name, copied under `ir/` together with what it imports. Fails if that closure reaches beyond the
 * package (zod's types, say), so a change that would publish broken types is caught here.
 */
async function writeTypes(outDir: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "mvm-sdk-types-"));
  try {
    await mkdir(join(work, "sdk"));
    await mkdir(join(work, "ir"));
    await emitDeclarations(ENTRY, join(work, "sdk"));
    await emitDeclarations(join(IR_SRC, "index.ts"), join(work, "ir"));
    const irOut = join(work, "ir", "out");
    const irFiles = (await readdir(irOut, { recursive: true })).filter((f) => f.endsWith(".d.ts"));
    const irText = new Map(await Promise.all(irFiles.map(async (f) => [f, await readFile(join(irOut, f), "utf8")] as const)));
    const declaring = (name: string) => [...irText].find(([, t]) => new RegExp(`export (declare )?(class|function|const|type|interface|enum) ${name}\\b`).test(t))?.[0];

    const needed = new Set<string>();
    const sdkOut = join(work, "sdk", "out");
    // Only what index.d.ts reaches is published: internal modules (state, call sites) stay out of the types.
    const sdkQueue = ["index.d.ts"];
    const sdkSeen = new Set(sdkQueue);
    while (sdkQueue.length) {
      const f = sdkQueue.pop() as string;
      let text = await readFile(join(sdkOut, f), "utf8");
      for (const m of text.matchAll(/from\s*"(\.\.?\/[^"]+)\.ts"/g)) {
        const target = join(dirname(f), `${m[1]}.d.ts`);
        if (!sdkSeen.has(target)) sdkSeen.add(target), sdkQueue.push(target);
      }
      const toIr = relative(dirname(join(outDir, f)), join(outDir, "ir")) || ".";
      text = text.replace(FROM_IR, (_all, kw: string, typeKw: string | undefined, names: string) => {
        const byFile = new Map<string, string[]>();
        for (const raw of names.split(",").map((n) => n.trim()).filter(Boolean)) {
          const name = raw.replace(/^type\s+/, "").split(/\s+as\s+/)[0] as string;
          const file = declaring(name);
          if (!file) throw new Error(`mvm-sdk types: no @mvm/ir declaration file declares ${name}`);
          needed.add(file);
          byFile.set(file, [...(byFile.get(file) ?? []), raw]);
        }
        return [...byFile].map(([file, list]) => `${kw} ${typeKw ?? ""}{ ${list.join(", ")} } from "${toIr.startsWith(".") ? toIr : `./${toIr}`}/${file.replace(/\.d\.ts$/, ".js")}";`).join("\n");
      });
      await mkdir(dirname(join(outDir, f)), { recursive: true });
      await writeFile(join(outDir, f), text.replace(RELATIVE_TS, "$1$2.js\""));
    }
    const queue = [...needed];
    while (queue.length) {
      const f = queue.pop() as string;
      const text = irText.get(f) as string;
      for (const m of text.matchAll(/from\s*"([^"]+)"/g)) {
        const spec = m[1] as string;
        if (!spec.startsWith(".")) throw new Error(`mvm-sdk types: ${f} (from @mvm/ir) imports "${spec}", which the package does not ship`);
        const target = join(dirname(f), spec.replace(/\.ts$/, ".d.ts"));
        if (!needed.has(target)) {
          needed.add(target);
          queue.push(target);
        }
      }
      await mkdir(dirname(join(outDir, "ir", f)), { recursive: true });
      await writeFile(join(outDir, "ir", f), text.replace(RELATIVE_TS, "$1$2.js\""));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

