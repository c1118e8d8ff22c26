import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { compileTypeScriptTree, compiledName } from "./typescript.ts";

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mvm-ts-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test("extensions: .ts/.tsx → .js, .mts → .mjs, .cts → .cjs; declaration files are not compiled", () => {
  assert.deepEqual(["a.ts", "b.tsx", "c.mts", "d.cts", "e.d.ts", "f.js"].map(compiledName), ["a.js", "b.js", "c.mjs", "d.cjs", undefined, undefined]);
});

test("types are stripped, relative .ts imports rewritten, and a thrown error's stack names the user's .ts line", async (t) => {
  const dir = tree({
    "app.ts": 'import { shout } from "./lib/util.ts";\nimport { twice } from "./lib/twice";\nimport { join } from "node:path";\n\ninterface Opts { loud: boolean }\n\nexport function greet(name: string, opts: Opts = { loud: false }): string {\n  if (name === "boom") throw new Error("kaboom");\n  return twice(opts.loud ? shout(name) : join("hello", name));\n}\n',
    "lib/util.ts": "export const shout = (s: string): string => s.toUpperCase();\n",
    "lib/twice.ts": "export const twice = (s: string): string => `${s} ${s}`;\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(await compileTypeScriptTree(dir, "/compile-out/source"), ["app.js", "lib/twice.js", "lib/util.js"]);
  const js = readFileSync(join(dir, "app.js"), "utf8");
  assert.match(js, /from "\.\/lib\/util\.js"/);
  assert.match(js, /from "\.\/lib\/twice\.js"/);
  assert.match(js, /from "node:path"/);
  assert.doesNotMatch(js, /interface|: string/);
  assert.ok(existsSync(join(dir, "app.js.map")));
  const script = `import { greet } from "./app.js"; console.log(greet("ari", { loud: true })); try { greet("boom"); } catch (e) { console.log(e.stack); }`;
  const r = spawnSync(process.execPath, ["--enable-source-maps", "--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ARI ARI\n/);
  assert.ok(r.stdout.includes(`${join(dir, "app.ts")}:8:`), r.stdout);
});

test("a syntax error is BUILD_TRANSPILE_FAILED located in the compile output's source/", async () => {
  const dir = tree({ "app.ts": "export const f = (: string) => 1;\n" });
  await assert.rejects(compileTypeScriptTree(dir, "/out/source"), (e: unknown) =>
    e instanceof MvmError && e.code === "BUILD_TRANSPILE_FAILED" && e.location?.file === "/out/source/app.ts" && e.location.line === 1);
  rmSync(dir, { recursive: true, force: true });
});

test("app.ts beside an app.js is refused rather than overwritten", async () => {
  const dir = tree({ "app.ts": "export const a = 1;\n", "app.js": "export const a = 2;\n" });
  await assert.rejects(compileTypeScriptTree(dir, "/out/source"), (e: unknown) => e instanceof MvmError && e.code === "BUILD_TRANSPILE_FAILED" && /already exists/.test(e.message));
  rmSync(dir, { recursive: true, force: true });
});
