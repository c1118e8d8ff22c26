// Bounded, seeded fuzzing of the sanitizer build of the agent (MVM_FUZZ_SEED and MVM_FUZZ_ROUNDS override; a
// failure prints the seed). Two sides: mutated host frames on the channel, and a hostile runner behind it. The
// agent must keep answering, every frame it sends must keep the schema, and its console must hold no sanitizer
// report — checked again when it exits cleanly at the end (so LeakSanitizer runs too). MVM_FUZZ_VERBOSE=1 prints
// what the hostile runner's calls got.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { GuestFrame, MAX_FRAME, PROTOCOL_VERSION } from "@mvm/guest";
import { ChannelClient, FrameDecoder, GuestCallError } from "@mvm/runtime";
import { sanitizerReports, startAgent, type AgentUnderTest } from "./agent-under-test.ts";
import { frame, mutate, prng } from "./fuzz/mutate.mjs";

const SEED = Number(process.env.MVM_FUZZ_SEED ?? 0x6d766d);
const ROUNDS = Number(process.env.MVM_FUZZ_ROUNDS ?? 60);
const HOSTILE_RUNNER = fileURLToPath(new URL("./fuzz/hostile-runner.mjs", import.meta.url));
const session = () => randomBytes(12).toString("hex");

/** Valid host frames to mutate (no shutdown: a mutation must not end the run by being valid). */
const CORPUS = [
  { type: "hello", id: 1, min_v: 2, max_v: 2, session: "abcdefghijklmnop" },
  { type: "ping", id: 2 },
  { type: "invoke", id: 3, input: { name: "fuzz" } },
  { type: "invoke", id: 4, input: { a: 1 }, function: "add", timeout_ms: 5000 },
  { type: "exec", id: 5, argv: ["/bin/echo", "fuzz"], timeout_ms: 5000, stdin_b64: "aGk=" },
  { type: "sync", id: 6, epoch_ms: 1700000000000, entropy_b64: "AAECAw==" },
  { type: "configure", id: 7, instance_id: "fuzz-1", env: { FUZZ: "1" } },
  { type: "host_response", id: 8, ok: true, value: { x: [1, 2] } },
  { type: "chunk", stream: 3, seq: 0, final: true, data: Buffer.from('{"v":2,"type":"ping","id":9}').toString("base64") },
  { type: "chunk", stream: 4, seq: 0, final: false, data: "AAAA" },
  { type: "frobnicate", id: 10, x: null },
].map((f) => Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, ...f })));

/** Reads the agent's frames raw: every one must keep the schema; pongs are collected by id. */
function watchAgent(a: AgentUnderTest) {
  const decoder = new FrameDecoder(MAX_FRAME);
  const pongs = new Set<number>();
  const broken: string[] = [];
  a.socket.on("data", (d: Buffer) => {
    for (const body of decoder.push(d)) {
      const parsed = GuestFrame.safeParse(JSON.parse(body.toString("utf8")));
      if (!parsed.success) broken.push(body.toString("utf8").slice(0, 300));
      else if (parsed.data.type === "pong") pongs.add(parsed.data.id);
    }
  });
  return { pongs, broken };
}

async function until(probe: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  for (const giveUp = Date.now() + deadlineMs; !probe(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > giveUp) throw new Error(`fuzz seed ${SEED}: timed out waiting for ${what}`);
  }
}

test(`fuzz (seed ${SEED}): mutated host frames never fault the agent nor stop it answering`, async () => {
  const r = prng(SEED);
  const a = await startAgent({ variant: "asan", noClient: true });
  try {
    const seen = watchAgent(a);
    const hello = { v: PROTOCOL_VERSION, type: "hello", id: 1, min_v: 2, max_v: 2, session: session() };
    a.socket.write(frame(Buffer.from(JSON.stringify(hello))));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < 50; i++) {
        const body = mutate(r.pick(CORPUS), r);
        if (body.includes("shutdown")) continue;
        a.socket.write(frame(body));
        if (r.int(40) === 0) a.socket.write(r.pick([Buffer.from([0, 0, 0, 0]), Buffer.concat([Buffer.from([0, 0x10, 0, 1]), Buffer.alloc(MAX_FRAME + 1, 0x7b)])]));
      }
      const id = 2_000_000_000 + round;
      a.socket.write(frame(Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, type: "ping", id }))));
      await until(() => seen.pongs.has(id), `the pong after round ${round}`);
      assert.deepEqual(sanitizerReports(a.console()), [], `fuzz seed ${SEED}, round ${round}`);
    }
    assert.deepEqual(seen.broken, [], `fuzz seed ${SEED}: the agent sent frames that break the schema`);
    a.socket.write(frame(Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, type: "shutdown", id: 1 }))));
    assert.equal(await a.exited, 0);
    assert.deepEqual(sanitizerReports(a.console()), [], `fuzz seed ${SEED}: at exit`);
  } finally {
    await a.stop();
  }
});

test(`fuzz (seed ${SEED}): a hostile runner cannot fault the agent; every call is answered by the agent`, async () => {
  const a = await startAgent({
    variant: "asan", function: "greet", params: ["name"], maxInflight: 8, hello: true,
    runnerArgv: [process.execPath, HOSTILE_RUNNER, String(SEED)],
    client: { onHostRequest: async (req) => ({ echoed: req.kind }) },
  });
  try {
    await a.client.waitForReady(30_000);
    const outcomes = new Map<string, number>();
    let next = 0;
    const calls = ROUNDS * 4;
    const worker = async () => {
      while (next < calls) {
        const i = next++;
        const outcome = await a.client.invoke({ name: `call-${i}` }, { timeoutMs: 2_000 }).then(
          () => "result",
          (err: unknown) => (err instanceof GuestCallError ? err.code : `host-side ${String(err)}`),
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    if (process.env.MVM_FUZZ_VERBOSE) console.log(JSON.stringify([...outcomes]), (a.console().match(/restarting/g) ?? []).length, "restarts")
    const hostSide = [...outcomes.keys()].filter((k) => k.startsWith("host-side"));
    assert.deepEqual(hostSide, [], `fuzz seed ${SEED}: calls the agent never answered (${JSON.stringify([...outcomes])})`);
    assert.equal(a.client.closedError, undefined, `fuzz seed ${SEED}: the agent broke the protocol: ${a.client.closedError?.message}`);
    assert.ok((await a.client.ping()).uptimeMs > 0);
    assert.deepEqual(sanitizerReports(a.console()), [], `fuzz seed ${SEED}`);
    await a.client.shutdown();
    assert.equal(await a.exited, 0);
    assert.deepEqual(sanitizerReports(a.console()), [], `fuzz seed ${SEED}: at exit`);
  } finally {
    await a.stop();
  }
});
