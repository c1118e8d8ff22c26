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
import { COMPLAINT_BURST, type ChannelClient, type HostRequestHandler } from "./client.ts";
import { connectChannel } from "./connect.ts";
import { encodeFrame, FrameDecoder } from "./frame-codec.ts";
import { CHUNK_BYTES, MAX_FRAME, MAX_INFLIGHT, MAX_PAYLOAD, MAX_STREAMS, PROTOCOL_VERSION } from "@mvm/guest";

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

const MiB = 1024 * 1024;

/** A fake guest: accepts one connection and lets the test script what it sends. */
async function fakeGuest(script: (guest: Socket) => void | Promise<void>, listenAfterMs = 0, onHostRequest?: HostRequestHandler) {
  const dir = mkdtempSync(join(tmpdir(), "mvm-garbage-"));
  const path = join(dir, "agent.sock");
  let server: Server | undefined;
  setTimeout(() => {
    server = createServer((sock) => {
      sock.on("error", () => {});
      void script(sock);
    }).listen(path);
  }, listenAfterMs);
  const client = await connectChannel(path, { deadlineMs: 5_000, ...(onHostRequest ? { onHostRequest } : {}) });
  return { client, close: () => (server?.close(), rmSync(dir, { recursive: true, force: true })) };
}

/** Writes frames in batches, waiting for drain; stops when the client has closed the connection. */
async function flood(g: Socket, frames: number, make: (i: number) => Buffer): Promise<number> {
  let sent = 0;
  while (sent < frames && !g.destroyed) {
    const batch: Buffer[] = [];
    for (let k = 0; k < 1000 && sent < frames; k++, sent++) batch.push(make(sent));
    if (!g.write(Buffer.concat(batch))) {
      await new Promise((r) => (g.once("drain", r), g.once("close", r)));
    }
  }
  return sent;
}

/** What the client sent, frame by frame (a fake guest that reads). */
function readFrames(g: Socket, onFrame: (frame: Record<string, unknown>) => void): void {
  const decoder = new FrameDecoder();
  g.on("data", (d: Buffer) => {
    for (const body of decoder.push(d)) onFrame(JSON.parse(body.toString("utf8")));
  });
}

/** Resolves once fn's value has not changed for a few polls: the client stopped doing whatever it counts. */
async function settled(fn: () => number): Promise<number> {
  for (let last = -1, same = 0; ; await new Promise((r) => setTimeout(r, 100))) {
    const now = fn();
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 5) return now;
  }
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

test("garbage: 2M id-0 error frames close the channel after a burst, and the host keeps only a few", async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const complaint = frame({ v: PROTOCOL_VERSION, type: "error", id: 0, code: "bad_frame", message: "I could not read that frame" });
  let sent = 0;
  const { client, close } = await fakeGuest(async (g) => void (sent = await flood(g, 2_000_000, () => complaint)));
  const closed = await client.closed;
  assert.equal(closed.code, "RUN_BAD_FRAME", closed.message);
  assert.ok(client.agentComplaintCount >= COMPLAINT_BURST);
  assert.ok(client.agentComplaints.length <= 16, `${client.agentComplaints.length} complaints kept`);
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 64 * MiB, `heap grew ${(grown / MiB).toFixed(0)} MiB`);
  assert.ok(sent < 2_000_000, "the flood was cut short");
  close();
  assert.deepEqual(uncaught, []);
});

test("garbage: a host_request id that is still running, sent again, closes the channel; the handler runs once", async () => {
  let calls = 0;
  const request = frame({ v: PROTOCOL_VERSION, type: "host_request", id: 1, kind: "web_fetch", payload: {} });
  const handler: HostRequestHandler = async () => (calls++, await new Promise((r) => setTimeout(r, 200)), "page");
  const { client, close } = await fakeGuest(async (g) => void (await flood(g, 500_000, () => request)), 0, handler);
  const closed = await client.closed;
  assert.equal(closed.code, "RUN_BAD_FRAME", closed.message);
  assert.equal(calls, 1);
  close();
  assert.deepEqual(uncaught, []);
});

test(`garbage: at most MAX_INFLIGHT (${MAX_INFLIGHT}) host requests run at once; the rest are answered busy`, async () => {
  let running = 0;
  let peak = 0;
  const answers: Record<string, unknown>[] = [];
  const handler: HostRequestHandler = async () => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, 300));
    running--;
    return "page";
  };
  const n = 1000;
  const { client, close } = await fakeGuest((g) => {
    readFrames(g, (f) => answers.push(f));
    for (let id = 1; id <= n; id++) g.write(frame({ v: PROTOCOL_VERSION, type: "host_request", id, kind: "web_fetch", payload: { id } }));
  }, 0, handler);
  await settled(() => answers.length);
  assert.equal(answers.length, n, "each request answered once");
  assert.equal(new Set(answers.map((a) => a.id)).size, n);
  assert.ok(peak <= MAX_INFLIGHT, `${peak} handlers ran at once`);
  const busy = answers.filter((a) => a.ok === false && (a.error as { code?: string }).code === "busy").length;
  assert.ok(busy >= n - MAX_INFLIGHT * 4, `${busy} answered busy`);
  client.close();
  close();
});

test("garbage: a guest that sends host requests but never reads the answers stops being read", async () => {
  let calls = 0;
  const answer = "a".repeat(1024);
  const handler: HostRequestHandler = async () => (calls++, answer);
  const { client, close } = await fakeGuest(async (g) => {
    g.pause(); // never reads
    await flood(g, 100_000, (i) => frame({ v: PROTOCOL_VERSION, type: "host_request", id: i + 1, kind: "web_fetch", payload: {} }));
  }, 0, handler);
  const handled = await settled(() => calls);
  assert.ok(handled < 10_000, `the handler ran ${handled} times for a guest that reads nothing`);
  assert.equal(client.closedError, undefined);
  client.close();
  close();
});

test("garbage: a 64 MiB chunked result of 22 million {} is refused by its value budget before it is parsed", async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const n = Math.floor((MAX_PAYLOAD - 200) / 3);
  const body = Buffer.from(`{"v":${PROTOCOL_VERSION},"type":"result","id":1,"value":[${"{},".repeat(n - 1)}{}],"stdout":"","stderr":"","duration_ms":1}`);
  const { client, close } = await fakeGuest(async (g) => {
    for (let off = 0, seq = 0; off < body.length && !g.destroyed; off += CHUNK_BYTES, seq++) {
      const data = body.subarray(off, off + CHUNK_BYTES).toString("base64");
      if (!g.write(frame({ v: PROTOCOL_VERSION, type: "chunk", stream: 1, seq, final: off + CHUNK_BYTES >= body.length, data }))) {
        await new Promise((r) => g.once("drain", r));
      }
    }
  });
  const pending = client.invoke({}, { timeoutMs: 120_000 });
  await expectClosedWith(client, "RUN_PAYLOAD_TOO_LARGE", pending);
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 512 * MiB, `heap grew ${(grown / MiB).toFixed(0)} MiB`);
  close();
});

test("garbage: chunked streams may not hold more than MAX_PAYLOAD between them", async () => {
  const piece = randomBytes(CHUNK_BYTES).toString("base64");
  let peak = 0;
  const { client, close } = await fakeGuest(async (g) => {
    for (let seq = 0; seq < (40 * MiB) / CHUNK_BYTES && !g.destroyed; seq++) {
      for (const stream of [1, 2]) {
        if (!g.write(frame({ v: PROTOCOL_VERSION, type: "chunk", stream, seq, final: false, data: piece }))) await new Promise((r) => g.once("drain", r));
      }
      peak = Math.max(peak, client.bufferedBytes);
    }
  });
  const pending = client.ping(60_000);
  await expectClosedWith(client, "RUN_PAYLOAD_TOO_LARGE", pending);
  assert.ok(peak <= MAX_PAYLOAD + MAX_FRAME + 256 * 1024, `held ${peak} bytes`);
  close();
});

test("session: bytes before this client's hello_ok are skipped, whatever they are; the channel then works", async () => {
  const { client, close } = await fakeGuest((g) => {
    readFrames(g, (f) => {
      if (f.type === "hello") {
        g.write(Buffer.concat([
          Buffer.from([0, 0, 0x10]), randomBytes(3000), // the tail of a frame whose start went to an earlier host
          frame({ v: PROTOCOL_VERSION, type: "pong", id: 1, uptime_ms: 1 }), // a stale reply to "id 1"
          frame({ v: PROTOCOL_VERSION, type: "hello_ok", id: Number(f.id), session: "x".repeat(24), version: 2, agent: "a", state: "ready",
            configured: false, caps: { max_frame: 1, max_payload: 1, max_inflight: 1, chunk_bytes: 1 } }), // another session's
        ]));
        g.write(frame({ v: PROTOCOL_VERSION, type: "hello_ok", id: Number(f.id), session: f.session, version: 2, agent: "a",
          state: "ready", configured: true, caps: { max_frame: 1, max_payload: 1, max_inflight: 1, chunk_bytes: 1 } }));
      }
      if (f.type === "ping") g.write(frame({ v: PROTOCOL_VERSION, type: "pong", id: Number(f.id), uptime_ms: 99 }));
    });
  });
  assert.equal((await client.hello()).configured, true);
  assert.equal((await client.ping()).uptimeMs, 99);
  assert.equal(client.closedError, undefined);
  client.close();
  close();
});

test("session: a guest that floods bytes instead of hello_ok holds the client to one frame, and hello times out", async () => {
  let peak = 0;
  const { client, close } = await fakeGuest(async (g) => {
    await flood(g, 20_000, () => randomBytes(1024));
  });
  const timer = setInterval(() => (peak = Math.max(peak, client.bufferedBytes)), 1);
  await assert.rejects(client.hello(), (err: Error & { code?: string }) => err.code === "RUN_TIMEOUT");
  clearInterval(timer);
  assert.ok(peak <= MAX_FRAME + 256 * 1024, `held ${peak} bytes`);
  client.close();
  close();
});
