import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SDK_DIR = fileURLToPath(new URL("..", import.meta.url));
const TSX_LOADER = import.meta.resolve("tsx");
const HEADER = `import * as mvm from "mvm-sdk";\n`;
const DECLARE = `export const greet = mvm.app({
  name: "hello-app",
  image: mvm.python_image({ python: "3.12" }),
  entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" }),
})((name: string): string => \`hello \${name}\`);\n`;

/** Runs `body` as app.ts with tsx in a scratch project where `mvm-sdk` resolves to this package. */
function run(body: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "mvm-sdk-test-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(SDK_DIR, join(dir, "node_modules", "mvm-sdk"));
  writeFileSync(join(dir, "package.json"), '{"type":"module"}');
  writeFileSync(join(dir, "app.ts"), body);
  const result = spawnSync(process.execPath, ["--import", TSX_LOADER, "app.ts"], {
    cwd: dir, encoding: "utf8", env: { ...process.env, MVM_SDK_MODE: "", MVM_SDK_OUT_PATH: "", ...env },
  });
  return { ...result, dir };
}

const irLines = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("{"));

test("emitJson prints the canonical IR and one newline", () => {
  const r = run(HEADER + DECLARE + "mvm.emitJson();\n");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\{"apps":\[\{.*"name":"hello-app".*\}\n$/);
});

test("a second emitJson prints nothing more, and emit mode adds nothing at exit", () => {
  const r = run(HEADER + DECLARE + "mvm.emitJson();\nmvm.emitJson();\n", { MVM_SDK_MODE: "emit" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(irLines(r.stdout).length, 1);
});

test("MVM_SDK_MODE=emit prints at exit when the script did not", () => {
  const r = run(HEADER + DECLARE + 'console.log("user output");\n', { MVM_SDK_MODE: "emit" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(irLines(r.stdout).length, 1);
});

test("MVM_SDK_OUT_PATH receives the IR instead of stdout", () => {
  const out = join(mkdtempSync(join(tmpdir(), "mvm-out-")), "ir.json");
  const r = run(HEADER + DECLARE, { MVM_SDK_MODE: "emit", MVM_SDK_OUT_PATH: out });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(irLines(readFileSync(out, "utf8")).length, 1);
});

test("a failing script emits nothing in emit mode", () => {
  const r = run(HEADER + DECLARE + 'throw new Error("boom");\n', { MVM_SDK_MODE: "emit" });
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, "");
});

test("the declared function still works when called locally", () => {
  const r = run(HEADER + DECLARE + 'console.log(greet("ari"));\n');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "hello ari\n");
});

const declarationErrors: { name: string; body: string; code: string; line: number }[] = [
  { name: "an unknown option key", body: 'mvm.resources({ memoryMb: 256 } as never);\n', code: "DECL_UNKNOWN_KWARG", line: 2 },
  { name: "a second app", body: DECLARE + DECLARE.replace("export const greet", "export const again"), code: "DECL_SECOND_APP", line: 7 },
  { name: "a missing name", body: 'mvm.app({ image: mvm.python_image(), entrypoint: mvm.entrypoint_function({ module: "a", function: "b" }) } as never)(() => 1);\n', code: "DECL_MISSING_KWARG", line: 2 },
  { name: "an extra argument", body: '\n\n(mvm.literal as (...a: unknown[]) => unknown)("a", "b");\n', code: "DECL_POSITIONAL_ARG", line: 4 },
  { name: "a python version as a number", body: '\nmvm.python_image({ python: 3.12 } as never);\n', code: "DECL_BAD_ARGUMENT", line: 3 },
];
for (const c of declarationErrors) {
  test(`${c.name}: ${c.code} at app.ts:${c.line}, nothing on stdout, non-zero exit`, () => {
    const r = run(HEADER + c.body, { MVM_SDK_MODE: "emit" });
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`app\\.ts:${c.line}:\\d+: error\\[${c.code}\\]`));
  });
}

test("emit mode with no app declared fails with DECL_NO_APP", () => {
  const r = run(HEADER + "void mvm;\n", { MVM_SDK_MODE: "emit" });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /error\[DECL_NO_APP\]/);
});

test("inside an mvm image (MVM_SDK_MODE=guest) app() hands the function back unchecked and emitting prints nothing", () => {
  const twice = DECLARE + DECLARE.replace("export const greet", "export const again");
  const r = run(HEADER + twice + 'mvm.emitJson();\nconsole.log(greet("ari"));\n', { MVM_SDK_MODE: "guest" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "hello ari\n");
});
