// Agent conformance, part 1: every message type, concurrency, timeouts, crashes and malformed frames, driven
// by the real ChannelClient (which validates every frame the agent sends) against the real agent binary.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CHUNK_BYTES, MAX_FRAME, MAX_INFLIGHT, MAX_PAYLOAD, PROTOCOL_VERSION } from "@mvm/guest";
import { encodeFrame } from "@mvm/runtime";
import type { AgentVariant } from "../agent-under-test.ts";
import { rejectsWith, suiteContext } from "./context.ts";

export function protocolSuite(variant: AgentVariant): void {
  const ctx = suiteContext(variant);

  test(ctx.name("hello negotiates the protocol version and reports the caps from protocol.ts"), async () => {
    const { client } = await ctx.ready();
    const hello = await client.hello();
    assert.equal(hello.version, PROTOCOL_VERSION);
    assert.equal(client.protocolVersion, PROTOCOL_VERSION);
    assert.equal(hello.state, "ready");
    assert.deepEqual(hello.caps, { max_frame: MAX_FRAME, max_payload: MAX_PAYLOAD, max_inflight: 16, chunk_bytes: CHUNK_BYTES });
    assert.ok(MAX_INFLIGHT >= 16);
  });

  test(ctx.name("a hello the agent cannot satisfy is answered unsupported_version"), async () => {
    const { client } = await ctx.ready();
    await rejectsWith(client.requestRaw({ type: "hello", min_v: PROTOCOL_VERSION + 1, max_v: PROTOCOL_VERSION + 2 }, "hello_ok"), "RUN_UNSUPPORTED_VERSION");
    assert.ok((await client.ping()).uptimeMs > 0);
  });

  test(ctx.name("ping answers pong with the uptime"), async () => {
    const { client } = await ctx.ready();
    const a = await client.ping();
    const b = await client.ping();
    assert.ok(b.uptimeMs >= a.uptimeMs);
  });

  test(ctx.name("invoke maps named inputs to parameters and captures stdout/stderr per call"), async () => {
    const { client } = await ctx.ready();
    const r = await client.invoke({ name: "ari" });
    assert.equal(r.value, "hello ari");
    assert.equal(r.stdout, "greeting ari\n");
    assert.equal(r.stderr, "to stderr\n");
    await rejectsWith(client.invoke({ nom: "ari" }), "RUN_FUNCTION_ERROR");
  });

  test(ctx.name("an exception travels back with type, message, traceback and the output before it"), async () => {
    const { client } = await ctx.ready({ function: "fail", params: ["message"] });
    const err = await rejectsWith(client.invoke({ message: "nope" }), "RUN_FUNCTION_ERROR");
    assert.equal(err.frame.exception?.type, "ValueError");
    assert.equal(err.frame.exception?.message, "nope");
    assert.match(err.frame.exception?.traceback ?? "", /raise ValueError\(message\)/);
    assert.equal(err.frame.stdout, "before the raise\n");
  });

  test(ctx.name("a return value that is not JSON is an error, not a crash"), async () => {
    const { client } = await ctx.ready({ function: "not_json", params: [] });
    const err = await rejectsWith(client.invoke({}), "RUN_FUNCTION_ERROR");
    assert.equal(err.frame.exception?.type, "TypeError");
    assert.equal((await client.ping()).uptimeMs > 0, true);
  });

  test(ctx.name("interleaved concurrent calls are each answered once with their own value and output"), async () => {
    const { client } = await ctx.ready({ function: "echo", params: ["value", "delay_ms"] });
    const n = 12;
    const calls = Array.from({ length: n }, (_, i) => client.invoke({ value: `v${i}`, delay_ms: ((n - i) * 37) % 200 }));
    const results = await Promise.all(calls);
    results.forEach((r, i) => {
      assert.equal(r.value, `v${i}`);
      assert.equal(r.stdout, `echo v${i}\n`);
    });
  });

  test(ctx.name("a call past its timeout is answered timeout, the others in flight runner_crashed, and the runner comes back"), async () => {
    const { client, console } = await ctx.ready({ function: "echo", params: ["value", "delay_ms"] });
    const victim = client.invoke({ value: "slow", delay_ms: 30_000 }, { timeoutMs: 300 });
    const bystander = client.invoke({ value: "other", delay_ms: 30_000 }, { timeoutMs: 20_000 });
    await rejectsWith(victim, "RUN_TIMEOUT");
    await rejectsWith(bystander, "RUN_RUNNER_CRASHED");
    const again = await client.invoke({ value: "after", delay_ms: 0 });
    assert.equal(again.value, "after");
    assert.match(console(), /restarting/);
  });

  test(ctx.name("a runner that dies mid-call answers runner_crashed and is restarted"), async () => {
    const { client } = await ctx.ready({ function: "crash", params: ["code"] });
    const err = await rejectsWith(client.invoke({ code: 3 }), "RUN_RUNNER_CRASHED");
    assert.match(err.message, /status 3/);
    await rejectsWith(client.invoke({ code: 4 }), "RUN_RUNNER_CRASHED");
  });

  test(ctx.name("a runner that dies while an orphan holds its pipes is still answered and restarted"), async () => {
    const { client, root } = await ctx.ready({ function: "orphan_then_crash", params: [] });
    try {
      // An agent that waited for EOF on the dead runner's stdout would never answer: the host deadline catches it.
      await rejectsWith(client.invoke({}, { timeoutMs: 10_000 }), "RUN_RUNNER_CRASHED");
      await rejectsWith(client.invoke({}, { timeoutMs: 10_000 }), "RUN_RUNNER_CRASHED");
    } finally {
      for (const pid of readFileSync(join(root, "app", "orphan.pids"), "utf8").trim().split("\n")) process.kill(Number(pid), "SIGKILL");
    }
  });

  test(ctx.name("calls beyond max_inflight are answered busy"), async () => {
    const { client } = await ctx.ready({ function: "echo", params: ["value", "delay_ms"], maxInflight: 2 });
    const slow = [client.invoke({ value: 1, delay_ms: 400 }), client.invoke({ value: 2, delay_ms: 400 })];
    await rejectsWith(client.invoke({ value: 3, delay_ms: 0 }), "RUN_BUSY");
    assert.deepEqual((await Promise.all(slow)).map((r) => r.value), [1, 2]);
  });

  test(ctx.name("payloads larger than one frame are chunked both ways"), async () => {
    const { client } = await ctx.ready({ function: "echo", params: ["value", "delay_ms"] });
    const big = "x".repeat(3 * 1024 * 1024) + "é∑😀";
    const r = await client.invoke({ value: big, delay_ms: 0 });
    assert.equal(r.value, big);
    assert.equal(r.stdout.length, big.length + 6);
  });

  test(ctx.name("exec runs argv with stdin and returns exit code and output bytes; it is bounded by its timeout"), async () => {
    const { client } = await ctx.ready();
    const r = await client.exec(["sh", "-c", "cat; echo out; echo err >&2; exit 3"], { stdin: Buffer.from("in\n") });
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, null);
    assert.equal(r.stdout.toString(), "in\nout\n");
    assert.equal(r.stderr.toString(), "err\n");
    await rejectsWith(client.exec(["sleep", "30"], { timeoutMs: 200 }), "RUN_TIMEOUT");
    const missing = await client.exec(["/nonexistent/binary"]);
    assert.equal(missing.exitCode, 127);
  });

  test(ctx.name("sync is answered without touching the host clock or crediting entropy when not PID 1"), async () => {
    const { client } = await ctx.ready();
    const r = await client.sync(Date.now(), Buffer.alloc(32, 7));
    assert.equal(r.clock_set, false);
    assert.equal(r.credited, false);
    assert.equal(r.entropy_bytes, 32);
  });

  test(ctx.name("malformed frames get coded errors (id 0) and the agent keeps serving"), async () => {
    const { client, socket } = await ctx.ready();
    const complaints = () => client.agentComplaints.map((e) => e.code);
    socket.write(encodeFrame(Buffer.from("{not json")));
    socket.write(encodeFrame(Buffer.from("[1,2]")));
    socket.write(encodeFrame(Buffer.from('{"type":"ping","id":1}')));
    socket.write(encodeFrame(Buffer.from('{"v":2,"type":"ping","id":-4}')));
    socket.write(encodeFrame(Buffer.from('{"v":2,"type":"ping"}   trailing')));
    socket.write(encodeFrame(Buffer.from('{"v":2,"type":"chunk","stream":9,"seq":3,"final":true,"data":""}')));
    socket.write(Buffer.from([0, 0, 0, 0])); // zero length
    // one byte over MAX_FRAME: the agent skips it without buffering and says payload_too_large
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME + 1);
    socket.write(header);
    socket.write(Buffer.alloc(MAX_FRAME + 1, 0x41));
    assert.ok((await client.ping()).uptimeMs > 0);
    assert.deepEqual(complaints(), [
      "RUN_BAD_FRAME", "RUN_BAD_FRAME", "RUN_BAD_FRAME", "RUN_BAD_FRAME", "RUN_BAD_FRAME", "RUN_BAD_FRAME", "RUN_BAD_FRAME", "RUN_PAYLOAD_TOO_LARGE",
    ]);
    await rejectsWith(client.requestRaw({ type: "frobnicate" }, "pong"), "RUN_BAD_FRAME");
    assert.equal((await client.invoke({ name: "still here" })).value, "hello still here");
  });

  // The agent's JSON reader is strict (RFC 8259): each of these bodies is refused with bad_frame, none crashes it.
  const notJson = [
    { name: "a trailing comma", body: '{"v":2,"type":"ping",}' },
    { name: "a leading zero", body: '{"v":01,"type":"ping"}' },
    { name: "NaN", body: '{"v":NaN,"type":"ping"}' },
    { name: "single quotes", body: "{'v':1}" },
    { name: "a raw control character in a string", body: '{"v":2,"type":"pi\u0001ng"}' }, // the TS escape makes a raw U+0001 byte
    { name: "an unknown escape", body: '{"v":2,"type":"p\\xng"}' },
    { name: "a truncated \\u escape", body: '{"v":2,"type":"\\u12"}' },
    { name: "a comment", body: '{"v":2 /* c */,"type":"ping"}' },
    { name: "a missing value", body: '{"v":,"type":"ping"}' },
    { name: "an unterminated string", body: '{"v":2,"type":"ping' },
    { name: "two values", body: '{"v":2} {"v":2}' },
  ];
  for (const c of notJson) {
    test(ctx.name(`the agent refuses JSON with ${c.name} as bad_frame and keeps serving`), async () => {
      const { client, socket } = await ctx.ready();
      socket.write(encodeFrame(Buffer.from(c.body, "utf8")));
      assert.ok((await client.ping()).uptimeMs > 0);
      assert.deepEqual(client.agentComplaints.map((e) => e.code), ["RUN_BAD_FRAME"]);
    });
  }

  test(ctx.name("the agent refuses frames that are not UTF-8 or hold overlong or surrogate encodings"), async () => {
    const { client, socket } = await ctx.ready();
    const bodies = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
    for (const bad of bodies) socket.write(encodeFrame(Buffer.concat([Buffer.from('{"v":2,"type":"'), Buffer.from(bad), Buffer.from('"}')])));
    assert.ok((await client.ping()).uptimeMs > 0);
    assert.deepEqual(client.agentComplaints.map((e) => e.code), bodies.map(() => "RUN_BAD_FRAME"));
  });

  test(ctx.name("deeply nested input is rejected as bad_frame instead of exhausting the agent"), async () => {
    const { client } = await ctx.ready({ function: "echo", params: ["value", "delay_ms"] });
    const deep = JSON.parse("[".repeat(70) + "]".repeat(70));
    await rejectsWith(client.invoke({ value: deep, delay_ms: 0 }), "RUN_BAD_FRAME");
    const ok = JSON.parse("[".repeat(50) + "1" + "]".repeat(50));
    assert.deepEqual((await client.invoke({ value: ok, delay_ms: 0 })).value, ok);
  });
}
