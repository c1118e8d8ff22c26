// What keeps the CLI's start-up cheap (bench: cli_invoke_vs_node, compile_vs_python), checked on the sources so a
// new import cannot quietly undo it: zod imported as a namespace everywhere (its named `z` export keeps every
// locale in the bundle: 755 KB instead of 170 KB), and the daemon client's import graph free of classic zod and of
// the packages' entries (each loads zod and every schema; the client needs a socket and zod/mini).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SOURCE_DIRS = ["packages", "guest/src", "bench/src"].map((d) => join(ROOT, d));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry === "dist") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

/** Value imports (not `import type`) of a module: `import … from "x"`, `export … from "x"`, `import("x")`. */
function valueImports(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm), ...text.matchAll(/import\("([^"]+)"\)/g)];
  return specs.map((m) => m[1]!);
}

/** @mvm/<pkg>[/<subpath>] → its file, from the package's exports map. */
function resolveWorkspace(spec: string): string | undefined {
  const m = /^@mvm\/([^/]+)(\/.*)?$/.exec(spec);
  if (!m) return undefined;
  const dir = m[1] === "guest" ? join(ROOT, "guest") : m[1] === "bench" ? join(ROOT, "bench") : join(ROOT, "packages", m[1]!);
  const exportsMap = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports: Record<string, string> }).exports;
  const target = exportsMap[`.${m[2] ?? ""}`];
  return target ? join(dir, target) : undefined;
}

test("no source imports zod's named z export (a namespace import lets the bundler drop zod's locales)", () => {
  const offenders = SOURCE_DIRS.flatMap(sourceFiles).filter((f) => /^import\s+\{\s*z\s*\}\s+from\s+"zod"/m.test(readFileSync(f, "utf8")));
  assert.deepEqual(offenders.map((f) => f.slice(ROOT.length)), []);
});

test("the daemon client's import graph loads no classic zod and no package entry", () => {
  const start = join(ROOT, "packages/runtime/src/client.ts");
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImports(file)) {
      if (spec === "zod" || spec.startsWith("zod/v4/classic")) problems.push(`${file.slice(ROOT.length)} imports ${spec}`);
      if (/^@mvm\/[^/]+$/.test(spec)) problems.push(`${file.slice(ROOT.length)} imports the entry of ${spec}`);
      const next = spec.startsWith(".") ? resolve(dirname(file), spec) : resolveWorkspace(spec);
      if (next) visit(next);
    }
  };
  visit(start);
  assert.ok(seen.size > 3, `walked ${seen.size} modules`);
  assert.deepEqual(problems, []);
});
