import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { listInstanceNames, readInstanceRecord, removeInstanceFiles, writeInstanceRecord } from "./store.ts";
import { describeState, holdsVm, INSTANCE_RECORD_VERSION, newInstanceId, type InstanceRecord } from "./state.ts";

const record = (name: string): InstanceRecord => ({
  record_version: INSTANCE_RECORD_VERSION, name, id: newInstanceId(), app: "hello-app", ir_hash: "0".repeat(64),
  image: { path: "/img/rootfs.ext4", sha256: "1".repeat(64) }, kernel: { path: "/k/vmlinux", flavour: "mvm" },
  cpus: 1, memory_mb: 256, network: { mode: "none", ports: [] },
  entrypoints: [{ kind: "function", language: "python", module: "app", function: "greet", format: "json", working_dir: "/app", env: {}, primary: true, params: null }],
  secrets: [{ var: "API_KEY", secret: "api-key", token: "mvm-secret:api-key:aaaaaaaaaaaaaaaaaaaaaaaaaa" }],
  pid: null, created_at: "2026-01-01T00:00:00.000Z", state: { kind: "starting" },
});

async function withHome(use: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), "mvm-store-"));
  try {
    await use(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

test("a record round-trips; a rewrite replaces it whole and leaves no temp file", async () => {
  await withHome(async (home) => {
    const r = record("one");
    await writeInstanceRecord(home, r);
    await writeInstanceRecord(home, { ...r, pid: 42, state: { kind: "ready", ready_at: "2026-01-01T00:00:01.000Z" } });
    const back = await readInstanceRecord(home, "one");
    assert.equal(back?.pid, 42);
    assert.equal(back?.state.kind, "ready");
    assert.deepEqual(await readdir(join(home, "instances/one")), ["state.json"]);
    assert.deepEqual(await listInstanceNames(home), ["one"]);
    await removeInstanceFiles(home, r);
    assert.equal(await readInstanceRecord(home, "one"), undefined);
  });
});

test("an invalid record is refused before anything is written", async () => {
  await withHome(async (home) => {
    await assert.rejects(writeInstanceRecord(home, { ...record("two"), cpus: 0 }), (e: unknown) => e instanceof MvmError);
    assert.deepEqual(await listInstanceNames(home), []);
  });
});

test("a state.json that is not JSON, or breaks the schema, is RUN_STATE_CORRUPT naming the file", async () => {
  await withHome(async (home) => {
    await mkdir(join(home, "instances/bad"), { recursive: true });
    await writeFile(join(home, "instances/bad/state.json"), "{half");
    await assert.rejects(readInstanceRecord(home, "bad"), (e: unknown) => e instanceof MvmError && e.code === "RUN_STATE_CORRUPT" && /bad\/state\.json is not JSON/.test(e.message));
    await writeFile(join(home, "instances/bad/state.json"), JSON.stringify({ ...record("bad"), state: { kind: "zombie" } }));
    await assert.rejects(readInstanceRecord(home, "bad"), (e: unknown) => e instanceof MvmError && e.code === "RUN_STATE_CORRUPT");
    assert.match(await readFile(join(home, "instances/bad/state.json"), "utf8"), /zombie/, "a bad record is left for a person to look at");
  });
});

test("every state has its words, and only a dead instance holds no VM", () => {
  assert.deepEqual(["starting", "ready", "stopping"].map((kind) => holdsVm({ kind } as never)), [true, true, true]);
  assert.equal(holdsVm({ kind: "dead", reason: "x", ended_at: "2026-01-01T00:00:00.000Z" }), false);
  assert.equal(describeState({ kind: "dead", reason: "killed", ended_at: "2026-01-01T00:00:00.000Z" }), "dead: killed");
  assert.match(newInstanceId(), /^[a-z2-7]{12}$/);
});
