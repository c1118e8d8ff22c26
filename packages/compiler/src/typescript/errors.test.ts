/**
 * Every error code the TypeScript front end raises, each at an exact line:column (1-based, code points).
 * The declarations start at line 3 (line 1 imports mvm-sdk, line 2 opens `mvm.app({`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvmError } from "@mvm/ir";
import { compileTypeScript } from "./index.ts";

const IMPORT = 'import * as mvm from "mvm-sdk";\n';
const VALID = '  name: "a", image: mvm.python_image({ python: "3.12" }), entrypoint: mvm.entrypoint_function({ module: "app", function: "f" }),';

/** An app whose options are VALID (line 3) plus `extra` (from line 4), or exactly `options` when given. */
function appFile(extra: string, options?: string): string {
  return `${IMPORT}export const f = mvm.app({\n${options ?? `${VALID}\n${extra}`}\n})((x: string) => x);\n`;
}

interface ErrorCase {
  name: string;
  source: string;
  code: string;
  line: number;
  column: number;
  file?: string;
  hint?: RegExp;
}

const cases: ErrorCase[] = [
  { name: "a syntax error is reported where oxc stops", source: `${IMPORT}const x = ;\n`, code: "COMPILE_SYNTAX", line: 2, column: 11 },
  { name: "an unterminated call is a syntax error at the end", source: `${IMPORT}mvm.app({ name: "a"\n`, code: "COMPILE_SYNTAX", line: 3, column: 1 },
  { name: "a variable is not a literal", source: appFile("  before_start: cmd,"), code: "COMPILE_NON_LITERAL", line: 4, column: 17, hint: /cmd is a variable/ },
  { name: "a template with substitutions is not a literal", source: appFile("  before_start: `echo ${x}`,"), code: "COMPILE_NON_LITERAL", line: 4, column: 17, hint: /template literals with substitutions/ },
  { name: "a shorthand property is not a literal", source: appFile("  env: { HOME },"), code: "COMPILE_NON_LITERAL", line: 4, column: 10, hint: /key: value/ },
  { name: "a spread in an object is not a literal", source: appFile("  env: { A: \"1\", ...base },"), code: "COMPILE_NON_LITERAL", line: 4, column: 18, hint: /spread/ },
  { name: "a spread in a list is not a literal", source: appFile("  before_start: [\"make\", ...more],"), code: "COMPILE_NON_LITERAL", line: 4, column: 26 },
  { name: "a computed key is not a literal", source: appFile('  env: { ["A"]: "1" },'), code: "COMPILE_NON_LITERAL", line: 4, column: 10, hint: /plain key/ },
  { name: "a call to a non-mvm function is not a literal", source: appFile("  before_start: make(),"), code: "COMPILE_NON_LITERAL", line: 4, column: 17, hint: /only mvm helpers/ },
  { name: "arithmetic is not a literal", source: appFile("  resources: mvm.resources({ memory_mb: 128 * 2 }),"), code: "COMPILE_NON_LITERAL", line: 4, column: 41, hint: /256 rather than/ },
  { name: "a bigint is not a literal", source: appFile("  resources: mvm.resources({ memory_mb: 256n }),"), code: "COMPILE_NON_LITERAL", line: 4, column: 41 },
  { name: "an empty list slot is not a literal", source: appFile('  before_start: ["a", , "b"],'), code: "COMPILE_NON_LITERAL", line: 4, column: 21 },
  { name: "a method is not a literal", source: appFile("  env: { A() { return 1; } },"), code: "COMPILE_NON_LITERAL", line: 4, column: 10 },
  { name: "columns count code points, not UTF-16 units", source: appFile('  env: { "𝒳𝒳": "1", B: greeting },'), code: "COMPILE_NON_LITERAL", line: 4, column: 24 },
  { name: "CRLF line endings count as one line break", source: 'import * as mvm from "mvm-sdk";\r\nmvm.app({\r\n  name: x });\r\n', code: "COMPILE_NON_LITERAL", line: 3, column: 9 },
  { name: "a hashbang line is a line", source: `#!/usr/bin/env tsx\n${IMPORT}mvm.app({ name: x });\n`, code: "COMPILE_NON_LITERAL", line: 3, column: 17 },
  { name: "a byte order mark does not shift later lines", source: `\uFEFF${IMPORT}mvm.app({ name: x });\n`, code: "COMPILE_NON_LITERAL", line: 2, column: 17 },
  { name: "an unknown mvm member is an unknown helper", source: appFile('  source: mvm.local_paths("."),'), code: "DECL_UNKNOWN_HELPER", line: 4, column: 11 },
  {
    name: "a named import that is not a helper is an unknown helper",
    source: `import { app, emitJson, python_image } from "mvm-sdk";\nexport const f = app({\n  name: "a", image: python_image({ python: "3.12" }),\n  before_start: emitJson(),\n})(() => 1);\n`,
    code: "DECL_UNKNOWN_HELPER", line: 4, column: 17,
  },
  { name: "a default import of mvm-sdk is refused", source: 'import mvm from "mvm-sdk";\nmvm.app({});\n', code: "DECL_UNKNOWN_HELPER", line: 1, column: 8, hint: /import \* as mvm/ },
  { name: "a camelCase option key is an unknown kwarg, at the key", source: appFile("  resources: mvm.resources({ memoryMb: 512 }),"), code: "DECL_UNKNOWN_KWARG", line: 4, column: 30 },
  { name: "a camelCase app option is an unknown kwarg, at the key", source: appFile('  beforeStart: "make",'), code: "DECL_UNKNOWN_KWARG", line: 4, column: 3 },
  { name: "a missing app option points at mvm.app", source: appFile("", '  name: "a", entrypoint: mvm.entrypoint_function({ module: "app", function: "f" }),'), code: "DECL_MISSING_KWARG", line: 2, column: 18 },
  { name: "a missing helper option points at the helper", source: appFile("", '  name: "a", image: mvm.python_image({}), entrypoint: mvm.entrypoint_function({ module: "app" }),'), code: "DECL_MISSING_KWARG", line: 3, column: 55 },
  { name: "cpu and cpu_cores together are a duplicate kwarg", source: appFile("  resources: mvm.resources({ cpu: 1, cpu_cores: 2 }),"), code: "DECL_DUPLICATE_KWARG", line: 4, column: 30 },
  { name: "a second argument where none is taken is positional", source: appFile('  network: mvm.network({ mode: "bridge" }, "x"),'), code: "DECL_POSITIONAL_ARG", line: 4, column: 44 },
  { name: "an extra argument to app() is positional", source: `${IMPORT}mvm.app({}, 1);\n`, code: "DECL_POSITIONAL_ARG", line: 2, column: 13 },
  { name: "a number where a version string goes is a bad argument", source: appFile("  resources: mvm.resources({ cpu: 1.5 }),"), code: "DECL_BAD_ARGUMENT", line: 4, column: 35 },
  { name: "app() without an options object is a bad argument", source: `${IMPORT}mvm.app("hello")(() => 1);\n`, code: "DECL_BAD_ARGUMENT", line: 2, column: 9 },
  { name: "a bad secret name points at the positional value", source: appFile('  env: { KEY: mvm.secret("Bad Name") },'), code: "DECL_INVALID_NAME", line: 4, column: 26 },
  { name: "a bad env variable name points at the key", source: appFile('  env: { "1BAD": "x" },'), code: "DECL_INVALID_NAME", line: 4, column: 10 },
  { name: "a bad app name points at the value", source: appFile("", '  name: "Bad_Name", image: mvm.nix_packages(["hello"]), entrypoint: mvm.entrypoint_function({ module: "app", function: "f" }),'), code: "DECL_INVALID_NAME", line: 3, column: 9 },
  { name: "an empty hook string", source: appFile('  before_start: "",'), code: "DECL_EMPTY_HOOK", line: 4, column: 17 },
  { name: "an empty argv inside a mixed hook list points at the element", source: appFile('  after_start: [mvm.hook("a"), []],'), code: "DECL_EMPTY_HOOK", line: 4, column: 32 },
  { name: "a second app is reported at its mvm.app", source: `${appFile("")}mvm.app({ name: "b" })(() => 2);\n`, code: "DECL_SECOND_APP", line: 6, column: 1 },
  { name: "no app and no Sandbox", source: `${IMPORT}export const x = 1;\n`, code: "DECL_NO_APP", line: 1, column: 1 },
  { name: "no mvm-sdk import at all", source: 'import * as mvm from "./mine";\nmvm.app({});\n', code: "DECL_NO_APP", line: 1, column: 1, hint: /import \* as mvm from "mvm-sdk"/ },
  { name: "an app inside a function", source: `${IMPORT}function make() {\n  return mvm.app({});\n}\n`, code: "COMPILE_NOT_MODULE_LEVEL", line: 3, column: 10 },
  { name: "an app inside a block", source: `${IMPORT}{\n  mvm.app({});\n}\n`, code: "COMPILE_NOT_MODULE_LEVEL", line: 3, column: 3 },
  { name: "an app inside a class", source: `${IMPORT}class A {\n  static x = mvm.app({});\n}\n`, code: "COMPILE_NOT_MODULE_LEVEL", line: 3, column: 14 },
  { name: "an app passed to another call", source: `${IMPORT}register(mvm.app({})(() => 1));\n`, code: "COMPILE_NOT_MODULE_LEVEL", line: 2, column: 10 },
  { name: "an app nested in app options", source: appFile("  env: mvm.app({}),"), code: "COMPILE_NOT_MODULE_LEVEL", line: 4, column: 8 },
  { name: "a Python file is not read by this front end", source: "x = 1\n", file: "app.py", code: "COMPILE_UNSUPPORTED_FILE", line: 0, column: 0 },
];

for (const c of cases) {
  test(`${c.code}: ${c.name}`, async () => {
    const file = c.file ?? "app.ts";
    const err = await compileTypeScript(file, c.source).then(
      (result) => assert.fail(`expected ${c.code}, got ${result.kind}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MvmError, `not an MvmError: ${String(err)}`);
    assert.equal(err.code, c.code, err.format());
    if (c.line === 0) assert.equal(err.location, undefined);
    else assert.deepEqual([err.location?.file, err.location?.line, err.location?.column], [file, c.line, c.column], err.format());
    if (c.hint) assert.match(err.hint ?? "", c.hint);
  });
}
