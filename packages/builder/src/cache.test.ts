import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildOnce, contentKey } from "./cache.ts";

test("concurrent buildOnce calls build once and both see the published entry", async () => {
  const parent = await mkdtemp(join(tmpdir(), "mvm-cache-test-"));
  const dir = join(parent, "entry");
  let builds = 0;
  const build = async (tmp: string) => {
    builds++;
    await new Promise((r) => setTimeout(r, 200));
    await writeFile(join(tmp, "out"), "done");
  };
  await Promise.all([buildOnce(dir, build), buildOnce(dir, build)]);
  assert.equal(builds, 1);
  assert.equal(await readFile(join(dir, "out"), "utf8"), "done");
  assert.deepEqual(await readdir(parent), ["entry"], "no lock or temp dir is left behind");
  await rm(parent, { recursive: true });
});

test("a failed build publishes nothing and releases the lock", async () => {
  const parent = await mkdtemp(join(tmpdir(), "mvm-cache-test-"));
  const dir = join(parent, "entry");
  await assert.rejects(buildOnce(dir, async () => { throw new Error("boom"); }), /boom/);
  assert.equal(existsSync(dir), false);
  assert.deepEqual(await readdir(parent), []);
  await rm(parent, { recursive: true });
});

test("a lock left by a dead process is taken over", async () => {
  const parent = await mkdtemp(join(tmpdir(), "mvm-cache-test-"));
  const dir = join(parent, "entry");
  await writeFile(`${dir}.lock`, "2147483646"); // no such pid
  await buildOnce(dir, async (tmp) => writeFile(join(tmp, "out"), "x"));
  assert.equal(existsSync(join(dir, "out")), true);
  await rm(parent, { recursive: true });
});

test("content keys separate their parts", () => {
  assert.notEqual(contentKey("ab", "c"), contentKey("a", "bc"));
  assert.match(contentKey("x"), /^[0-9a-f]{64}$/);
});

test("rebuild replaces an existing entry only once the new one is complete", async () => {
  const parent = await mkdtemp(join(tmpdir(), "mvm-cache-test-"));
  const dir = join(parent, "entry");
  assert.equal(await buildOnce(dir, async (tmp) => writeFile(join(tmp, "out"), "one")), true);
  assert.equal(await buildOnce(dir, async () => assert.fail("a present entry is not rebuilt")), false);
  await assert.rejects(buildOnce(dir, async () => { throw new Error("boom"); }, { rebuild: true }), /boom/);
  assert.equal(await readFile(join(dir, "out"), "utf8"), "one", "a failed rebuild keeps the old entry");
  assert.equal(await buildOnce(dir, async (tmp) => writeFile(join(tmp, "out"), "two"), { rebuild: true }), true);
  assert.equal(await readFile(join(dir, "out"), "utf8"), "two");
  assert.deepEqual(await readdir(parent), ["entry"]);
  await rm(parent, { recursive: true });
});
