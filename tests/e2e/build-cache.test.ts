// The cache, proven by observation: mmdebstrap and mke2fs are wrapped by scripts first on PATH that log
// each call and then run the real tool. A second build of unchanged input calls neither and leaves the
// registered image file exactly as it was; --no-cache calls both again. Tampered inputs are refused and
// leave the registered app alone. The app's base layer (bookworm + tree) is this test's own, so rebuilding
// it with --no-cache cannot pull a layer from under another test sharing the cache.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileTo, errorCode, leftovers, mvmctl, tmpSnapshot, writeApp } from "./build.test-helpers.ts";
import { mvmCacheDir } from "@mvm/builder";

const work = mkdtempSync(join(tmpdir(), "mvm-build-cache-"));
const home = join(work, "home");
const out = join(work, "out");
const wrappers = join(work, "bin");
const callLog = join(work, "calls.log");
const APP = `import mvm

@mvm.app(name="cache-probe", image=mvm.python_image(python="3.11", packages=["tree"]))
def greet(name: str) -> str:
    return f"hello {name}"
`;

function wrap(tool: string): void {
  const real = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
  writeFileSync(join(wrappers, tool), `#!/bin/sh\necho ${tool} >> '${callLog}'\nexec '${real}' "$@"\n`);
  chmodSync(join(wrappers, tool), 0o755);
}

/** Builds `dir` with the wrappers first on PATH; returns the tools called and the result. */
function build(dir: string, ...flags: string[]) {
  writeFileSync(callLog, "");
  const r = mvmctl(["build", dir, "--json", ...flags], { MVM_HOME: home, PATH: `${wrappers}:${process.env.PATH}` });
  const calls = readFileSync(callLog, "utf8").split("\n").filter(Boolean);
  return { ...r, calls };
}

function imageIdentity() {
  const image = join(home, "apps/cache-probe/rootfs.ext4");
  const s = statSync(image);
  return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size, sha256: createHash("sha256").update(readFileSync(image)).digest("hex") };
}

let first: ReturnType<typeof build>;
before(() => {
  mkdirSync(wrappers);
  wrap("mmdebstrap");
  wrap("mke2fs");
  const app = writeApp({ "app.py": APP });
  compileTo(join(app, "app.py"), out);
  first = build(out);
  assert.equal(first.status, 0, first.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

test("the first build makes the image with mke2fs (and the wrappers see it)", () => {
  assert.ok(first.calls.includes("mke2fs"), first.calls.join(","));
  assert.equal(JSON.parse(first.stdout).cached, false);
});

test("a second build of unchanged input runs neither mmdebstrap nor mke2fs and leaves the registered image untouched", () => {
  const beforeIdentity = imageIdentity();
  const manifestBefore = readFileSync(join(home, "apps/cache-probe/manifest.json"), "utf8");
  const again = build(out);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(again.calls, [], "no package and no ext4 work");
  assert.deepEqual(imageIdentity(), beforeIdentity);
  assert.equal(readFileSync(join(home, "apps/cache-probe/manifest.json"), "utf8"), manifestBefore);
  const summary = JSON.parse(again.stdout) as { cached: boolean; layers: { cached: boolean }[] };
  assert.equal(summary.cached, true);
  assert.ok(summary.layers.every((l) => l.cached));
});

test("--no-cache rebuilds every layer: mmdebstrap and mke2fs run again and a new image is registered", () => {
  const beforeIdentity = imageIdentity();
  const rebuilt = build(out, "--no-cache");
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.deepEqual([...new Set(rebuilt.calls)].sort(), ["mke2fs", "mmdebstrap"]);
  assert.notEqual(imageIdentity().ino, beforeIdentity.ino);
  const summary = JSON.parse(rebuilt.stdout) as { cached: boolean; layers: { name: string; cached: boolean }[] };
  assert.ok(summary.layers.every((l) => !l.cached), JSON.stringify(summary.layers));
});

const tampered = [
  { name: "a workload.json edited after compile", code: "BUILD_IR_HASH_MISMATCH", edit: (dir: string) => {
    const path = join(dir, "workload.json");
    writeFileSync(path, readFileSync(path, "utf8").replace('"memory_mb":256', '"memory_mb":512'));
  } },
  { name: "a source file edited after compile", code: "BUILD_TREE_HASH_MISMATCH", edit: (dir: string) => appendFileSync(join(dir, "source/app.py"), "# edited\n") },
  { name: "a launch.json given a before_build the IR does not declare", code: "BUILD_LAUNCH_MISMATCH", edit: (dir: string) => {
    const path = join(dir, "launch.json");
    const edited = readFileSync(path, "utf8").replace('"hooks":{}', '"hooks":{"before_build":[{"kind":"shell","line":"echo injected"}]}');
    assert.notEqual(edited, readFileSync(path, "utf8"));
    writeFileSync(path, edited);
  } },
  { name: "a file added to source/ after compile", code: "BUILD_TREE_HASH_MISMATCH", edit: (dir: string) => writeFileSync(join(dir, "source/extra.py"), "x = 1\n") },
];
for (const t of tampered) {
  test(`${t.name} is refused with ${t.code}, naming the file, and the registered app stays`, () => {
    const copy = join(work, `tampered-${t.code}-${Math.random().toString(36).slice(2)}`);
    cpSync(out, copy, { recursive: true });
    t.edit(copy);
    const identity = imageIdentity();
    const since = tmpSnapshot();
    const r = build(copy);
    assert.equal(r.status, 1);
    assert.equal(errorCode(r.stderr), t.code, r.stderr);
    assert.ok(r.stderr.includes(copy), `names where: ${r.stderr}`);
    assert.deepEqual(r.calls, []);
    assert.deepEqual(imageIdentity(), identity);
    assert.deepEqual(leftovers(home, mvmCacheDir(), since).filter((f) => f !== "apps/cache-probe"), []);
  });
}
