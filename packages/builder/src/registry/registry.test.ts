import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appsDir, registryStagingDir } from "./registry.ts";

test("a new staging dir clears what killed builds left behind, and only theirs", async () => {
  const home = mkdtempSync(join(tmpdir(), "mvm-registry-"));
  process.env.MVM_HOME = home;
  try {
    const dead = 2147483646; // no such pid
    for (const name of [`.staging-hello-app-${dead}-1`, `hello-app.old-${dead}-2`, `.staging-other-${process.ppid}-3`, "hello-app"]) mkdirSync(join(appsDir(), name), { recursive: true });
    const staging = await registryStagingDir("hello-app");
    assert.deepEqual(readdirSync(appsDir()).sort(), [`.staging-other-${process.ppid}-3`, staging.slice(appsDir().length + 1), "hello-app"].sort());
  } finally {
    delete process.env.MVM_HOME;
    rmSync(home, { recursive: true, force: true });
  }
});
