// Agent conformance, part 5: host sessions (PROTOCOL.md §Sessions). A host that reconnects (a restarted daemon)
// starts its ids at 1 again; nothing the agent queued or still runs for the host before it may answer the new one.
// The "old host" here writes raw frames on the socket and never reads; the new host is a real ChannelClient on the
// same socket, as a daemon re-adopting a VM would be.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CHUNK_BYTES, PROTOCOL_VERSION } from "@mvm/guest";
import { ChannelClient, encodeFrame, type ChannelClientOptions } from "@mvm/runtime";
import { waitFor, type AgentUnderTest, type AgentVariant } from "../agent-under-test.ts";
import { rejectsWith, suiteContext } from "./context.ts";

const raw = (frame: Record<string, unknown>) => encodeFrame(Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, ...frame })));

/**
 * Waits until the agent has written more than `atLeast` bytes that the old host never read (they wait in the
 * socket, unconsumed: reading is paused while no client listens) and returns how many there are.
 */
async function staleBytes(a: AgentUnderTest, atLeast = 0): Promise<number> {
  await waitFor(() => (a.socket.read(0), a.socket.readableLength > atLeast), `more than ${atLeast} unread bytes from the agent`);
  return a.socket.readableLength;
}

/** The old host goes away without a word; a new one connects on the same channel and says hello. */
async function reconnect(a: AgentUnderTest, options: ChannelClientOptions = {}): Promise<ChannelClient> {
  const client = new ChannelClient(a.socket, options);
  await client.hello();
  return client;
}

export function sessionSuite(variant: AgentVariant): void {
  const ctx = suiteContext(variant);
  const fresh = (options: Parameters<typeof ctx.start>[0] = {}) => ctx.start({ noClient: true, ...options });

  test(ctx.name("replies queued for an old host are not read as the new host's (both use id 1)"), async () => {
    const a = await fresh();
    const ready = await staleBytes(a);
    a.socket.write(raw({ type: "ping", id: 1 }));
    a.socket.write(raw({ type: "exec", id: 2, argv: ["echo", "old"] }));
    await staleBytes(a, ready + 100); // the pong and the exec_result
    const client = await reconnect(a);
    assert.equal((await client.exec(["echo", "new"])).stdout.toString(), "new\n");
    assert.equal(client.closedError, undefined);
  });

  test(ctx.name("a call of the old session still running never answers the new host's call with the same id"), async () => {
    const a = await fresh({ function: "echo", params: ["value", "delay_ms"] });
    await staleBytes(a);
    // Read before the new host's hello (one stream, in order): the call runs when the new session begins.
    a.socket.write(raw({ type: "invoke", id: 2, input: { value: "old", delay_ms: 800 } }));
    const client = await reconnect(a);
    const r = await client.invoke({ value: "new", delay_ms: 1500 }); // id 2 again
    assert.equal(r.value, "new");
    assert.match(a.console(), /dropped the reply to id 2 of an earlier session/);
  });

  test(ctx.name("a big reply the old host left unread is dropped; the frame in progress is finished, so framing survives"), async () => {
    const a = await fresh({ function: "echo", params: ["value", "delay_ms"] });
    const ready = await staleBytes(a);
    a.socket.write(raw({ type: "invoke", id: 1, function: "big_string", input: { n: 6 * CHUNK_BYTES } }));
    await staleBytes(a, ready + 4096); // chunks of the big result: the rest waits in the agent
    const client = await reconnect(a);
    assert.equal((await client.invoke({ value: "small", delay_ms: 0 })).value, "small");
    const big = "n".repeat(3 * CHUNK_BYTES);
    assert.equal((await client.invoke({ value: big, delay_ms: 0 })).value, big);
    assert.match(a.console(), /new session: dropped \d+ queued bytes and 1 unsent messages/);
  });

  test(ctx.name("a chunked message the old host left half-sent does not collide with the new host's stream 1"), async () => {
    const a = await fresh({ function: "echo", params: ["value", "delay_ms"] });
    await staleBytes(a);
    a.socket.write(raw({ type: "chunk", stream: 1, seq: 0, final: false, data: Buffer.from('{"v":2,').toString("base64") }));
    const client = await reconnect(a);
    const big = "b".repeat(2 * CHUNK_BYTES); // sent by the new client as stream 1, seq 0..
    assert.equal((await client.invoke({ value: big, delay_ms: 0 })).value, big);
    assert.equal(client.agentComplaintCount, 0);
  });

  test(ctx.name("a host request the old host never answered is answered to the function, and never reaches the new host"), async () => {
    const seen: unknown[] = [];
    const a = await fresh({ function: "fetch", params: ["url"] });
    const ready = await staleBytes(a);
    a.socket.write(raw({ type: "invoke", id: 2, input: { url: "old" } }));
    await staleBytes(a, ready + 40); // the host_request, relayed to the old host
    const client = await reconnect(a, { onHostRequest: async (req) => (seen.push(req.payload), "page") });
    assert.equal((await client.invoke({ url: "new" })).value, "page");
    assert.deepEqual(seen, [{ url: "new" }]);
  });

  test(ctx.name("a host request an old session's call makes after the new session began never reaches the new host"), async () => {
    const seen: unknown[] = [];
    const a = await fresh({ function: "fetch_later", params: ["url", "delay_ms"] });
    await staleBytes(a);
    a.socket.write(raw({ type: "invoke", id: 2, input: { url: "old", delay_ms: 600 } })); // read before the hello
    const client = await reconnect(a, { onHostRequest: async (req) => (seen.push(req.payload), "page") });
    assert.equal((await client.invoke({ url: "new", delay_ms: 1200 })).value, "page");
    assert.deepEqual(seen, [{ url: "new" }]);
  });

  test(ctx.name("a new session is told where the agent stands: hello_ok.state, and ready again after it"), async () => {
    const a = await fresh();
    await staleBytes(a); // the ready event went to no one
    const client = new ChannelClient(a.socket);
    assert.equal((await client.hello()).state, "ready");
    assert.equal((await client.waitForReady(10_000)).language, "python");
  });

  test(ctx.name("calls made before the first hello are rejected RUN_SESSION_RESET; a later hello keeps the session"), async () => {
    const a = await ctx.ready({ hello: false, function: "echo", params: ["value", "delay_ms"] });
    const early = assert.rejects(a.client.invoke({ value: "early", delay_ms: 500 }), (err: Error & { code?: string }) => err.code === "RUN_SESSION_RESET");
    await a.client.hello();
    await early;
    const inFlight = a.client.invoke({ value: "kept", delay_ms: 500 });
    await a.client.hello();
    assert.equal((await inFlight).value, "kept");
  });

  test(ctx.name("hello without a valid session nonce is refused bad_frame"), async () => {
    const a = await ctx.ready();
    for (const session of [undefined, "short", "x".repeat(65), "has space in it!!"]) {
      await rejectsWith(a.client.requestRaw({ type: "hello", min_v: PROTOCOL_VERSION, max_v: PROTOCOL_VERSION, session }, "hello_ok"), "RUN_BAD_FRAME");
    }
  });
}
