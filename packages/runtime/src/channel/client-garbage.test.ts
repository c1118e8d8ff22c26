// Host client vs a hostile guest: a fake guest on a real Unix socket sends garbage. The client must report a
// coded error, close the channel, reject what is in flight, never throw out of the event loop, and never hold
// more than its caps in memory.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ChannelClient } from "./client.ts";
import { connectChannel } from "./connect.ts";
import { encodeFrame } from "./frame-codec.ts";
import { CHUNK_BYTES, MAX_FRAME, MAX_PAYLOAD, MAX_STREAMS, PROTOCOL_VERSION } from "@mvm/guest";

const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);
process.on("uncaughtException", onUncaught);
process.on("unhandledRejection", onUncaught);
after(() => {
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
});

const frame = (obj: unknown) => encodeFrame(Buffer.from(JSON.stringify(obj)));
/** The most the client may hold for one connection: one frame being read plus one partial chunked message. */
const BUFFER_CAP = MAX_FRAME + 4 + 256 * 1024 + MAX_PAYLOAD;

/** A fake guest: accepts one connection and lets the test script what it sends. */
async function fakeGuest(script: (guest: Socket) => void | Promise<void>, listenAfterMs = 0) {
  const dir = mkdtempSync(join(tmpdir(), "mvm-garbage-"));
  const path = join(dir, "agent.sock");
  let server: Server | undefined;
  setTimeout(() => {
    server = createServer((sock) => {
      sock.on("error", () => {});
      void script(sock);
    }).listen(path);
  }, listenAfterMs);
  const client = await connectChannel(path, { deadlineMs: 5_000 });
  return { client, close: () => (server?.close(), rmSync(dir, { recursive: true, force: true })) };
}

async function expectClosedWith(client: ChannelClient, code: string, pending: Promise<unknown>) {
  const closed = await client.closed;
  assert.equal(closed.code, code, closed.message);
  await assert.rejects(pending, (err: Error & { code?: string }) => err.code === code || err.code === "RUN_CHANNEL_CLOSED");
  await assert.rejects(client.ping(), (err: Error & { code?: string }) => err.code === "RUN_CHANNEL_CLOSED");
  assert.ok(client.bufferedBytes <= BUFFER_CAP);
}

const cases: { name: string; code: string; send: (g: Socket) => void | Promise<void> }[] = [
  { name: "random bytes", code: "RUN_PAYLOAD_TOO_LARGE", send: (g) => void g.write(Buffer.concat([Buffer.from([0x7f, 1, 2, 3]), randomBytes(4096)])) },
  { name: "a huge announced length", code: "RUN_PAYLOAD_TOO_LARGE", send: (g) => void g.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])) },
  { name: "a zero length", code: "RUN_BAD_FRAME", send: (g) => void g.write(Buffer.from([0, 0, 0, 0])) },
  { name: "a truncated frame, then EOF", code: "RUN_CHANNEL_CLOSED", send: (g) => void g.end(Buffer.from([0, 0, 0, 50, 123, 34])) },
  { name: "invalid JSON", code: "RUN_BAD_FRAME", send: (g) => void g.write(encodeFrame(Buffer.from("{\"v\":1,"))) },
  { name: "invalid UTF-8 JSON", code: "RUN_BAD_FRAME", send: (g) => void g.write(encodeFrame(Buffer.from([0x22, 0xff, 0xfe, 0x22]))) },
  { name: "an unknown frame type", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "surprise", id: 1 })) },
  { name: "an unknown field", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "pong", id: 1, uptime_ms: 1, extra: true })) },
  { name: "a wrong field type", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "pong", id: "1", uptime_ms: 1 })) },
  { name: "a wrong version", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: 9, type: "pong", id: 1, uptime_ms: 1 })) },
  { name: "a reply to an id never sent", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "pong", id: 999, uptime_ms: 1 })) },
  { name: "the wrong reply type for the id", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "sync_ok", id: 1, clock_set: true, entropy_bytes: 0, credited: false })) },
  { name: "a chunk out of order", code: "RUN_BAD_FRAME", send: (g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "chunk", stream: 1, seq: 1, final: false, data: "" })) },
  {
    name: "more chunked streams than MAX_STREAMS", code: "RUN_BAD_FRAME",
    send: (g) => {
      for (let s = 1; s <= MAX_STREAMS + 1; s++) g.write(frame({ v: PROTOCOL_VERSION, type: "chunk", stream: s, seq: 0, final: false, data: "AAAA" }));
    },
  },
  {
    name: "a chunked message nested in a chunked message", code: "RUN_BAD_FRAME",
    send: (g) => {
      const inner = Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, type: "chunk", stream: 2, seq: 0, final: true, data: "" })).toString("base64");
      g.write(frame({ v: PROTOCOL_VERSION, type: "chunk", stream: 1, seq: 0, final: true, data: inner }));
    },
  },
];

for (const c of cases) {
  test(`garbage: ${c.name} → ${c.code}, channel closed, nothing thrown`, async () => {
    const { client, close } = await fakeGuest(c.send);
    const pending = client.ping(30_000);
    await expectClosedWith(client, c.code, pending);
    close();
    assert.deepEqual(uncaught, []);
  });
}

test("garbage: a chunked message past MAX_PAYLOAD is refused once the cap is crossed", async () => {
  const piece = randomBytes(CHUNK_BYTES).toString("base64");
  let peak = 0;
  const { client, close } = await fakeGuest(async (g) => {
    for (let seq = 0; seq <= MAX_PAYLOAD / CHUNK_BYTES + 1; seq++) {
      if (!g.write(frame({ v: PROTOCOL_VERSION, type: "chunk", stream: 1, seq, final: false, data: piece }))) await new Promise((r) => g.once("drain", r));
      peak = Math.max(peak, client.bufferedBytes);
      if (g.destroyed) return;
    }
  });
  const pending = client.ping(60_000);
  await expectClosedWith(client, "RUN_PAYLOAD_TOO_LARGE", pending);
  assert.ok(peak <= BUFFER_CAP, `held ${peak} bytes`);
  close();
});

test("garbage: a flood of valid but unsolicited frames keeps memory bounded and the client usable", async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = 0;
  const ready = frame({ v: PROTOCOL_VERSION, type: "ready", uptime_ms: 5, language: "python",
    timings: { configure_wait_ms: 0, before_start_ms: 1, runner_import_ms: 2, after_start_ms: 3 } });
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => ready));
  const { client, close } = await fakeGuest(async (g) => {
    for (let i = 0; i < 200; i++) {
      if (!g.write(batch)) await new Promise((r) => g.once("drain", r));
    }
    g.write(frame({ v: PROTOCOL_VERSION, type: "pong", id: 1, uptime_ms: 42 }));
  });
  const timer = setInterval(() => (peak = Math.max(peak, client.bufferedBytes)), 1);
  const pong = await client.ping(30_000);
  clearInterval(timer);
  assert.equal(pong.uptimeMs, 42);
  assert.equal((await client.waitForReady(1000)).language, "python");
  assert.ok(peak <= MAX_FRAME + 4 + 256 * 1024, `held ${peak} bytes`);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 256 * 1024 * 1024, "heap grew past 256 MiB during the flood");
  assert.equal(client.closedError, undefined);
  client.close();
  close();
  assert.deepEqual(uncaught, []);
});

test("connect retries until the socket appears, and gives up with RUN_CONNECT_FAILED", async () => {
  const { client, close } = await fakeGuest((g) => void g.write(frame({ v: PROTOCOL_VERSION, type: "pong", id: 1, uptime_ms: 7 })), 150);
  assert.equal((await client.ping()).uptimeMs, 7);
  client.close();
  close();
  const dir = mkdtempSync(join(tmpdir(), "mvm-garbage-"));
  await assert.rejects(connectChannel(join(dir, "never.sock"), { deadlineMs: 100 }), (err: Error & { code?: string }) => err.code === "RUN_CONNECT_FAILED");
  rmSync(dir, { recursive: true });
});

test("a guest that never answers makes the call fail with RUN_TIMEOUT at its deadline, not hang", async () => {
  const { client, close } = await fakeGuest(() => {});
  await assert.rejects(client.invoke({ x: 1 }, { timeoutMs: 50 }), (err: Error & { code?: string }) => err.code === "RUN_TIMEOUT");
  client.close();
  close();
});
