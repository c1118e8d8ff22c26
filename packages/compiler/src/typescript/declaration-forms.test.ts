/**
 * How an app may be declared: import aliases, named imports, camel/snake spellings, CommonJS require,
 * export forms and file types; plus the entrypoint's parameters read for launch.json, and the hand-off
 * to record mode.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { FunctionParam } from "@mvm/ir";
import { compileTypeScript } from "./index.ts";

const OPTIONS = 'name: "a", image: IMG, entrypoint: EP';
const NS = (ns: string) => OPTIONS.replace("IMG", `${ns}.python_image({ python: "3.12" })`).replace("EP", `${ns}.entrypoint_function({ module: "app", function: "f" })`);

const forms: { name: string; file?: string; source: string }[] = [
  { name: "namespace import, export const", source: `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ ${NS("mvm")} })(() => 1);` },
  { name: "namespace under another name", source: `import * as m from "mvm-sdk";\nexport const f = m.app({ ${NS("m")} })(() => 1);` },
  { name: "bracket member access", source: `import * as m from "mvm-sdk";\nexport const f = m["app"]({ ${NS("m")} })(() => 1);` },
  { name: "a bare expression statement", source: `import * as mvm from "mvm-sdk";\nmvm.app({ ${NS("mvm")} })(() => 1);` },
  { name: "without the (fn) call", source: `import * as mvm from "mvm-sdk";\nmvm.app({ ${NS("mvm")} });` },
  { name: "export default", source: `import * as mvm from "mvm-sdk";\nexport default mvm.app({ ${NS("mvm")} })(() => 1);` },
  { name: "let, in a declaration list", source: `import * as mvm from "mvm-sdk";\nlet a = 1, f = mvm.app({ ${NS("mvm")} })(() => 1);` },
  { name: "parenthesized and asserted", source: `import * as mvm from "mvm-sdk";\nexport const f = ((mvm.app({ ${NS("mvm")} }))((x: string) => x)) as unknown;` },
  { name: "type arguments on the call", source: `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ ${NS("mvm")} })<(x: string) => string>((x) => x);` },
  {
    name: "named imports with aliases and camel spellings",
    source: `import { app as declare, pythonImage as py, entrypointFunction } from "mvm-sdk";\nexport const f = declare({ name: "a", image: py({ python: "3.12" }), entrypoint: entrypointFunction({ module: "app", function: "f" }) })(() => 1);`,
  },
  {
    name: "a string-named import specifier",
    source: `import { "app" as declare, python_image, entrypoint_function } from "mvm-sdk";\ndeclare({ name: "a", image: python_image({ python: "3.12" }), entrypoint: entrypoint_function({ module: "app", function: "f" }) });`,
  },
  { name: "type-only imports beside value imports", source: `import type { Helper } from "mvm-sdk";\nimport * as mvm from "mvm-sdk";\nexport const f = mvm.app({ ${NS("mvm")} })(() => 1);` },
  { name: "a .js module", file: "app.js", source: `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ ${NS("mvm")} })((x) => x);` },
  { name: "a .mjs module", file: "app.mjs", source: `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ ${NS("mvm")} })((x) => x);` },
  { name: "a .cjs module with require", file: "app.cjs", source: `const mvm = require("mvm-sdk");\nmodule.exports = mvm.app({ ${NS("mvm")} });\nmvm.app;` },
  {
    name: "a .cts module with destructured require",
    file: "app.cts",
    source: `const { app, python_image: py, entrypoint_function } = require("mvm-sdk");\nexport const f = app({ name: "a", image: py({ python: "3.12" }), entrypoint: entrypoint_function({ module: "app", function: "f" }) })((x: string) => x);`,
  },
  { name: "a .tsx module", file: "app.tsx", source: `import * as mvm from "mvm-sdk";\nconst el = <div />;\nexport const f = mvm.app({ ${NS("mvm")} })((x: string) => x);` },
  { name: "a .mts module", file: "app.mts", source: `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ ${NS("mvm")} })((x: string) => x);` },
];

for (const c of forms) {
  test(`declared as ${c.name}`, async () => {
    const result = await compileTypeScript(c.file ?? "app.ts", `${c.source}\n`);
    assert.equal(result.kind, "app");
    if (result.kind !== "app") return;
    assert.equal(result.workload.id, "a");
    assert.deepEqual(result.workload.apps[0]?.image, { kind: "nix_packages", packages: ["python312"] });
    assert.equal(result.language, "node");
  });
}

test("an app assigned inside an expression is not a top-level declaration", async () => {
  await assert.rejects(compileTypeScript("app.cjs", `const mvm = require("mvm-sdk");\nlet x;\nfoo(x = mvm.app({}));\n`), { code: "COMPILE_NOT_MODULE_LEVEL" });
});

const paramCases: { name: string; fn: string; prelude?: string; want: FunctionParam[] | null }[] = [
  { name: "typed arrow parameters", fn: "(name: string, count?: number) => name", want: [{ name: "name", has_default: false, type: "string" }, { name: "count", has_default: true, type: "number" }] },
  { name: "defaults, with and without types", fn: '(a = 1, b: Array<string> = ["x"]) => a', want: [{ name: "a", has_default: true, type: null }, { name: "b", has_default: true, type: "Array<string>" }] },
  { name: "destructured and rest", fn: "({ x, y }: { x: number; y: number }, [z]: string[], ...rest: unknown[]) => x", want: [{ name: "{ x, y }", has_default: false, type: "{ x: number; y: number }" }, { name: "[z]", has_default: false, type: "string[]" }, { name: "...rest", has_default: false, type: "unknown[]" }] },
  { name: "a function expression with a this parameter", fn: "function (this: void, q: string) { return q; }", want: [{ name: "q", has_default: false, type: "string" }] },
  { name: "a module-level function declaration by name", fn: "greet", prelude: "export function greet(name: string, loud = false) { return name; }\n", want: [{ name: "name", has_default: false, type: "string" }, { name: "loud", has_default: true, type: null }] },
  { name: "a module-level const arrow by name", fn: "greet", prelude: "const greet = async (who: `${string}!`) => who;\n", want: [{ name: "who", has_default: false, type: "`${string}!`" }] },
  { name: "something not statically a function", fn: "makeHandler()", want: null },
  { name: "no parameters", fn: "() => 1", want: [] },
];

for (const c of paramCases) {
  test(`params: ${c.name}`, async () => {
    const source = `import * as mvm from "mvm-sdk";\n${c.prelude ?? ""}export const f = mvm.app({ ${NS("mvm")} })(${c.fn});\n`;
    const result = await compileTypeScript("app.ts", source);
    assert.equal(result.kind, "app");
    if (result.kind === "app") assert.deepEqual(result.params, c.want);
  });
}

test("params are null when the app is declared without (fn)", async () => {
  const result = await compileTypeScript("app.ts", `import * as mvm from "mvm-sdk";\nmvm.app({ ${NS("mvm")} });\n`);
  assert.ok(result.kind === "app" && result.params === null);
});

const recordCases: { name: string; source: string }[] = [
  { name: "a named Sandbox import", source: 'import { Sandbox } from "mvm-sdk";\nconst sb = await Sandbox.create({ template: "minimal" });\n' },
  { name: "an aliased Sandbox import", source: 'import { Sandbox as S } from "mvm-sdk";\nawait S.create({ template: "minimal" });\n' },
  { name: "Sandbox through the namespace", source: 'import * as mvm from "mvm-sdk";\nawait mvm.Sandbox.create({ template: "minimal" });\n' },
];

for (const c of recordCases) {
  test(`record mode for ${c.name}`, async () => {
    assert.deepEqual(await compileTypeScript("script.ts", c.source), { kind: "record" });
  });
}

test("an app call wins over a Sandbox import: the file is compiled statically", async () => {
  const result = await compileTypeScript("app.ts", `import { Sandbox } from "mvm-sdk";\nimport * as mvm from "mvm-sdk";\nmvm.app({ ${NS("mvm")} });\n`);
  assert.equal(result.kind, "app");
});

test("a type-only Sandbox import does not trigger record mode", async () => {
  await assert.rejects(compileTypeScript("app.ts", 'import type { Sandbox } from "mvm-sdk";\nexport let sb: Sandbox;\n'), { code: "DECL_NO_APP" });
});
