// Agent conformance, part 2: start-up and shutdown ordering through hook files rendered by renderHookScript,
// readiness gating, the runners' health endpoint, host_request relaying, Node runner and command entrypoints.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { GuestCallError } from "@mvm/runtime";
import { freePort, startAgent, waitFor, type AgentUnderTest } from "./agent-under-test.ts";

const agents: AgentUnderTest[] = [];
after(async () => Promise.all(agents.map((a) => a.stop())));
async function start(options: Parameters<typeof startAgent>[0] = {}): Promise<AgentUnderTest> {
  const a = await startAgent(options);
  agents.push(a);
  return a;
}
async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error && "code" in err, `expected a coded error, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

test("an export in before_start reaches the function; argv hooks run as children and leak nothing", async () => {
  const { client } = await start({
    function: "banner", params: [], env: { GREETING: "from-config" },
    hooks: { before_start: [{ kind: "shell", line: "export HELLO_BANNER='hi'" }, { kind: "argv", argv: ["sh", "-c", "export LEAK=1"] }] },
  });
  await client.waitForReady(20_000);
  assert.deepEqual((await client.invoke({})).value, { banner: "hi", leak: null, greeting: "from-config" });
});

test("a restarted runner keeps before_start's exports without running before_start again", async () => {
  const a = await start({
    function: "banner", params: [],
    hooks: { before_start: [{ kind: "shell", line: 'export HELLO_BANNER="run-$(date +%s%N)"; echo x >> ../count' }] },
  });
  await a.client.waitForReady(20_000);
  const first = (await a.client.invoke({})).value;
  const pid = Number(/runner started pid=(\d+)/.exec(a.console())?.[1]);
  assert.ok(pid > 0, a.console());
  process.kill(pid, "SIGKILL");
  await waitFor(() => /restarting[\s\S]*runner started pid=/.test(a.console()), "the runner to be restarted");
  assert.deepEqual((await a.client.invoke({})).value, first);
  assert.equal(readFileSync(join(a.root, "count"), "utf8"), "x\n");
});

test("a failing before_start stops start-up with hook_failed", async () => {
  const { client, console } = await start({
    hooks: { before_start: [{ kind: "shell", line: "true" }, { kind: "shell", line: "echo broken >&2; (exit 7)" }] },
  });
  await rejectsWith(client.waitForReady(20_000), "RUN_HOOK_FAILED");
  await rejectsWith(client.invoke({ name: "x" }), "RUN_HOOK_FAILED");
  assert.match(console(), /before_start command 2 of 2 exited with 7/);
  assert.ok((await client.ping()).uptimeMs > 0, "the agent still answers ping after a failed start");
});

test("READY waits for after_start to exit 0; invokes before that are answered not_ready", async () => {
  const a = await start({ hooks: { after_start: [{ kind: "argv", argv: ["test", "-f", "go"] }] } });
  let isReady = false;
  void a.client.waitForReady(20_000).then(() => (isReady = true));
  await rejectsWith(a.client.invoke({ name: "early" }), "RUN_NOT_READY");
  assert.equal((await a.client.hello()).state, "starting");
  assert.equal(isReady, false);
  writeFileSync(join(a.root, "app", "go"), "");
  await a.client.waitForReady(20_000);
  assert.equal((await a.client.invoke({ name: "late" })).value, "hello late");
  assert.match(a.console(), /mvm-agent: ready uptime_ms=\d+ language=python/);
});

test("after_start that never succeeds fails start-up when its deadline passes", async () => {
  const { client } = await start({ hooks: { after_start: [{ kind: "shell", line: "echo still-warming-up >&2; false" }] }, timeouts: { after_start_ms: 300 } });
  const err = await rejectsWith(client.waitForReady(20_000), "RUN_HOOK_FAILED");
  assert.match(err.message, /after_start did not exit 0 within 300 ms/);
  assert.match(err.message, /last output: still-warming-up/, "the probe's own words, from the last attempt that ran to its end");
});

test("the seed's curl probe in after_start passes against the runner's health endpoint", async () => {
  const healthPort = await freePort();
  const a = await start({ healthPort, hooks: { after_start: [{ kind: "shell", line: `curl -fsS http://127.0.0.1:${healthPort}/health` }] } });
  await a.client.waitForReady(20_000);
  assert.equal((await a.client.invoke({ name: "seed" })).value, "hello seed");
});

test("shutdown runs before_stop first, replies, then the agent exits", async () => {
  const a = await start({ hooks: { before_stop: [{ kind: "shell", line: "echo stopped > stop-marker" }] } });
  await a.client.waitForReady(20_000);
  const reply = await a.client.shutdown();
  assert.deepEqual(reply.before_stop, { ran: true, exit_code: 0, timed_out: false });
  assert.equal(readFileSync(join(a.root, "app", "stop-marker"), "utf8"), "stopped\n");
  assert.equal(await a.exited, 0);
  const log = a.console();
  assert.ok(log.indexOf("before_stop exit=0") < log.indexOf("mvm-agent: shutdown"), log);
});

test("a before_stop that hangs is cut off at its deadline and shutdown still completes", async () => {
  const a = await start({ hooks: { before_stop: [{ kind: "argv", argv: ["sleep", "30"] }] }, timeouts: { before_stop_ms: 200 } });
  await a.client.waitForReady(20_000);
  const reply = await a.client.shutdown();
  assert.deepEqual(reply.before_stop, { ran: true, exit_code: null, timed_out: true });
  assert.equal(await a.exited, 0);
});

test("a module that does not import fails start-up with invalid_entrypoint", async () => {
  const { client } = await start({ function: "no_such_function" });
  const err = await rejectsWith(client.waitForReady(20_000), "RUN_INVALID_ENTRYPOINT");
  assert.match(err.message, /no_such_function/);
});

const badConfigs = [
  { name: "not JSON", text: "{ nope" },
  { name: "an unknown key", text: '{"config_version":1,"language":"python","typo":1}' },
  { name: "a function without runner_argv", text: JSON.stringify({
    config_version: 1, language: "python", entrypoint: { kind: "function", module: "app", function: "greet", params: [] },
    working_dir: "/app", env: {}, health_port: 1, max_inflight: 1,
    timeouts: { invoke_ms: 1, after_start_ms: 1, after_start_interval_ms: 1, before_stop_ms: 1 },
  }) },
];
for (const c of badConfigs) {
  test(`agent.json with ${c.name} fails start-up with invalid_entrypoint; ping, exec and shutdown still work`, async () => {
    const a = await start({ rawConfig: c.text });
    await rejectsWith(a.client.waitForReady(20_000), "RUN_INVALID_ENTRYPOINT");
    await rejectsWith(a.client.invoke({ name: "x" }), "RUN_INVALID_ENTRYPOINT");
    assert.equal((await a.client.exec(["true"])).exitCode, 0);
    assert.deepEqual((await a.client.shutdown()).before_stop, { ran: false, exit_code: null, timed_out: false });
    assert.equal(await a.exited, 0);
  });
}

test("host_request relays a guest-initiated request to the host handler and back", async () => {
  const seen: unknown[] = [];
  const { client } = await start({
    function: "fetch", params: ["url"],
    client: {
      onHostRequest: async (req) => {
        seen.push(req);
        if (req.payload && typeof req.payload === "object" && "url" in req.payload && req.payload.url === "bad") throw new Error("blocked host");
        return { status: 200, body: "page" };
      },
    },
  });
  await client.waitForReady(20_000);
  assert.deepEqual((await client.invoke({ url: "https://example.com" })).value, { status: 200, body: "page" });
  assert.deepEqual(seen, [{ kind: "web_fetch", payload: { url: "https://example.com" } }]);
  const err = await rejectsWith(client.invoke({ url: "bad" }), "RUN_FUNCTION_ERROR");
  assert.ok(err instanceof GuestCallError);
  assert.match(err.frame.exception?.message ?? "", /blocked host/);
});

test("the Python runner serves GET /health with 200 once the module is imported", async () => {
  const { client, healthPort } = await start();
  await client.waitForReady(20_000);
  const res = await fetch(`http://127.0.0.1:${healthPort}/health`);
  assert.equal(res.status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${healthPort}/other`)).status, 404);
});

test("the Node runner imports the compiled module once and calls by parameter name", async () => {
  const { client, healthPort } = await start({ language: "node", params: ["name", "punctuation"] });
  assert.equal((await client.waitForReady(20_000)).language, "node");
  const r = await client.invoke({ punctuation: "!", name: "ari" });
  assert.deepEqual([r.value, r.stdout, r.stderr], ["hello ari!", "greeting ari\n", "to stderr\n"]);
  await rejectsWith(client.invoke({ nome: "x" }), "RUN_FUNCTION_ERROR");
  assert.equal((await fetch(`http://127.0.0.1:${healthPort}/health`)).status, 200);
});

test("the Node runner keeps concurrent calls' output apart and reports exceptions", async () => {
  const { client } = await start({ language: "node", function: "echo", params: ["value", "delayMs"] });
  await client.waitForReady(20_000);
  const results = await Promise.all([0, 1, 2, 3].map((i) => client.invoke({ value: i, delayMs: (4 - i) * 40 })));
  assert.deepEqual(results.map((r) => [r.value, r.stdout]), [0, 1, 2, 3].map((i) => [i, `echo ${i}\n`]));
  const failing = await start({ language: "node", function: "fail", params: ["message"] });
  await failing.client.waitForReady(20_000);
  const err = await rejectsWith(failing.client.invoke({ message: "out of range" }), "RUN_FUNCTION_ERROR");
  const fetching = await start({ language: "node", function: "fetch", params: ["url"], client: { onHostRequest: async (req) => ({ echoed: req.payload }) } });
  await fetching.client.waitForReady(20_000);
  assert.deepEqual((await fetching.client.invoke({ url: "u" })).value, { echoed: { url: "u" } });
  assert.ok(err instanceof GuestCallError);
  assert.equal(err.frame.exception?.type, "RangeError");
  assert.match(err.frame.exception?.traceback ?? "", /app\.mjs/);
});

test("a command entrypoint runs its argv per call with the input JSON on stdin", async () => {
  const { client } = await start({
    language: "command", command: ["sh", "-c", 'cat; echo " $HELLO_BANNER" ; echo done >&2; exit 2'],
    hooks: { before_start: [{ kind: "shell", line: "export HELLO_BANNER=bannered" }] },
  });
  assert.equal((await client.waitForReady(20_000)).language, "command");
  const r = await client.invoke({ name: "ari" });
  assert.deepEqual([r.value, r.stdout, r.stderr, r.exitCode], [null, '{"name":"ari"} bannered\n', "done\n", 2]);
});

test("nothing the agent waits on outlives shutdown", async () => {
  const a = await start({ function: "echo", params: ["value", "delay_ms"] });
  await a.client.waitForReady(20_000);
  const inflight = a.client.invoke({ value: 1, delay_ms: 30_000 });
  await a.client.shutdown();
  await rejectsWith(inflight, "RUN_NOT_READY");
  assert.equal(await a.exited, 0);
});
