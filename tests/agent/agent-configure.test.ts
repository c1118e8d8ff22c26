// Agent conformance: per-instance values (PROTOCOL.md §configure), start-up timings in `ready`, and
// `invoke.function` — against the real agent binary and both real runners.
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "./agent-under-test.ts";
import { suiteContext } from "./suites/context.ts";

const { start } = suiteContext("release");
async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof Error && "code" in err && err.code === code);
}

test("with await_configure nothing of the app runs before configure; its values reach before_start and the function", async () => {
  const a = await start({
    awaitConfigure: true, function: "env", params: ["name"],
    hooks: { before_start: [{ kind: "shell", line: 'echo "seen=$TOKEN" > ../before_start.out; export FROM_HOOK="$TOKEN-hooked"' }] },
  });
  const hello = await a.client.hello();
  assert.equal(hello.configured, false);
  assert.equal(hello.state, "starting");
  await rejectsWith(a.client.invoke({ name: "TOKEN" }), "RUN_NOT_READY");
  assert.doesNotMatch(a.console(), /runner started/, "the runner waits for configure");
  await a.client.configure({ instanceId: "inst-1", env: { TOKEN: "tok'en $x" } });
  const ready = await a.client.waitForReady(20_000);
  assert.equal((await a.client.hello()).configured, true);
  assert.equal((await a.client.invoke({ name: "TOKEN" })).value, "tok'en $x");
  assert.equal((await a.client.invoke({ name: "FROM_HOOK" })).value, "tok'en $x-hooked");
  assert.equal((await a.client.invoke({ name: "MVM_INSTANCE_ID" })).value, "inst-1");
  assert.ok(ready.timings.configure_wait_ms >= 0 && ready.timings.runner_import_ms >= 0);
});

test("a later configure updates the running function's env, a restarted runner's and later hooks'", async () => {
  const a = await start({
    function: "env", params: ["name"],
    hooks: {
      before_start: [{ kind: "shell", line: "export TOKEN=from-before-start" }],
      before_stop: [{ kind: "shell", line: 'echo "$TOKEN" > ../before_stop.out' }],
    },
  });
  await a.client.waitForReady(20_000);
  assert.equal((await a.client.invoke({ name: "TOKEN" })).value, "from-before-start");
  await a.client.configure({ instanceId: "clone-2", env: { TOKEN: "clone-token" } });
  assert.equal((await a.client.invoke({ name: "TOKEN" })).value, "clone-token");
  const pid = Number(/runner started pid=(\d+)/.exec(a.console())?.[1]);
  process.kill(pid, "SIGKILL");
  await waitFor(() => /restarting[\s\S]*runner started pid=/.test(a.console()), "the runner to be restarted");
  assert.equal((await a.client.invoke({ name: "TOKEN" })).value, "clone-token", "configure.sh is sourced after env.sh");
  assert.equal((await a.client.invoke({ name: "MVM_INSTANCE_ID" })).value, "clone-2");
  await a.client.shutdown();
  const { readFileSync } = await import("node:fs");
  assert.equal(readFileSync(`${a.root}/before_stop.out`, "utf8"), "clone-token\n");
});

test("configure refuses bad names, NUL bytes and bad instance ids, and changes nothing", async () => {
  const a = await start({ function: "env", params: ["name"] });
  await a.client.waitForReady(20_000);
  const bad: Record<string, unknown>[] = [
    { instance_id: "x", env: { "1BAD": "v" } },
    { instance_id: "x", env: { GOOD: "a\u0000b" } },
    { instance_id: "has space", env: {} },
    { instance_id: "x", env: { GOOD: 1 } },
    { instance_id: "x", env: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`V${i}`, "x"])) },
  ];
  for (const fields of bad) {
    await rejectsWith(a.client.requestRaw({ type: "configure", ...fields }, "configure_ok"), "RUN_BAD_FRAME");
  }
  assert.equal((await a.client.invoke({ name: "GOOD" })).value, null);
  assert.equal((await a.client.hello()).configured, false);
});

test("ready reports how long each start-up phase took", async () => {
  const a = await start({
    function: "env", params: ["name"],
    hooks: {
      before_start: [{ kind: "shell", line: "sleep 0.3" }],
      after_start: [{ kind: "shell", line: '[ -f ../passes ] || { touch ../passes; exit 1; }' }],
    },
  });
  const { timings } = await a.client.waitForReady(20_000);
  assert.equal(timings.configure_wait_ms, 0);
  // File times are kernel-tick coarse, so env.sh's mtime (the end of before_start) may read a few ms early.
  assert.ok(timings.before_start_ms >= 250, `before_start_ms ${timings.before_start_ms} covers the hook's 300 ms sleep`);
  assert.ok(timings.after_start_ms > 0, "after_start failed once, so it took at least one interval");
});

for (const language of ["python", "node"] as const) {
  test(`invoke.function calls another function of the ${language} module, by parameter name`, async () => {
    const a = await start({ language, function: "greet", params: ["name"] });
    await a.client.waitForReady(20_000);
    assert.equal((await a.client.invoke({ a: 1 }, { function: "add" })).value, 3);
    assert.equal((await a.client.invoke({ a: 1, b: 5 }, { function: "add" })).value, 6);
    await rejectsWith(a.client.invoke({ a: 1, c: 5 }, { function: "add" }), "RUN_FUNCTION_ERROR");
    await rejectsWith(a.client.invoke({}, { function: "no_such_function" }), "RUN_FUNCTION_ERROR");
    await rejectsWith(a.client.invoke({}, { function: "_private" }), "RUN_FUNCTION_ERROR");
    await rejectsWith(a.client.requestRaw({ type: "invoke", input: {}, function: "not valid" }, "result"), "RUN_BAD_FRAME");
    if (language === "node") {
      assert.equal((await a.client.invoke({ a: 1, b: 2 }, { function: "summary" })).value, "1/2", "a destructured parameter gets the inputs as one object");
    }
  });
}
