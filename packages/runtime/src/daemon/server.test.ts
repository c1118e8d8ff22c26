// The control socket against real clients: the DaemonClient, and raw sockets sending what no mvmctl would.
// The dispatcher is a small stand-in (the far side of the boundary); the server and client are the real ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { connectDaemon, DaemonCallError } from "./client.ts";
import { ControlFrameDecoder, encodeControlFrame } from "./control-codec.ts";
import { CONTROL_PROTOCOL_VERSION, MAX_CONTROL_FRAME, type ControlRequest } from "./control-protocol.ts";
import { daemonPaths } from "./home.ts";
import { serveControl, type RequestContext } from "./server.ts";

async function withServer(dispatch: (r: ControlRequest, rc: RequestContext) => Promise<unknown>, use: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), "mvm-ctl-"));
  const logs: string[] = [];
  const server = await serveControl(daemonPaths(home).socket, dispatch, (l) => logs.push(l));
  try {
    await use(home);
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
}

const status = { pid: 1, protocol: 1, home: "/h", started_at: "2026-01-01T00:00:00.000Z", uptime_ms: 5, rss_bytes: 10, instances: 0 };

/** Sends raw bytes and collects every message the server sends back until it closes the connection. */
function exchange(home: string, bytes: Buffer): Promise<unknown[]> {
  return new Promise((resolve) => {
    const socket: Socket = createConnection(daemonPaths(home).socket);
    const decoder = new ControlFrameDecoder("daemon");
    const got: unknown[] = [];
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (d: Buffer) => got.push(...decoder.push(d)));
    socket.on("close", () => resolve(got));
    socket.on("error", () => undefined);
  });
}

test("the control socket is mode 0600; a request gets its events, then one result", async () => {
  await withServer(async (r, rc) => {
    if (r.method !== "logs") return status;
    rc.emit({ kind: "log", line: "one" });
    rc.emit({ kind: "log", line: "two" });
    return { lines: [] };
  }, async (home) => {
    assert.equal((await stat(daemonPaths(home).socket)).mode & 0o777, 0o600);
    const client = await connectDaemon(home);
    const seen: string[] = [];
    const result = await client.request("logs", { name: "a", follow: true }, (e) => void (e.kind === "log" && seen.push(e.line)));
    assert.deepEqual(seen, ["one", "two"]);
    assert.deepEqual(result, { lines: [] });
    assert.deepEqual(await client.request("status"), status);
    client.close();
  });
});

test("an MvmError from the dispatcher arrives with its code and hint; a non-MvmError becomes an internal error, never a crash", async () => {
  await withServer(async (r) => {
    if (r.method === "ps") throw new MvmError("RUN_INSTANCE_NOT_FOUND", "no instance named x", "mvmctl ps lists them");
    throw new TypeError("oops");
  }, async (home) => {
    const client = await connectDaemon(home);
    await assert.rejects(client.request("ps"), (e: unknown) => e instanceof DaemonCallError && e.code === "RUN_INSTANCE_NOT_FOUND" && e.hint === "mvmctl ps lists them");
    await assert.rejects(client.request("status"), (e: unknown) => e instanceof DaemonCallError && e.code === "RUN_AGENT_INTERNAL" && /oops/.test(e.message));
    assert.deepEqual(await client.request("ps").catch((e: Error) => e.message), "no instance named x", "the connection still serves");
    client.close();
  });
});

const garbage: { name: string; bytes: () => Buffer; code: string }[] = [
  { name: "a zero-length frame", bytes: () => Buffer.from([0, 0, 0, 0]), code: "RUN_CONTROL_PROTOCOL" },
  { name: "a frame announced over the cap", bytes: () => { const b = Buffer.alloc(4); b.writeUInt32BE(MAX_CONTROL_FRAME + 1); return b; }, code: "RUN_CONTROL_PROTOCOL" },
  { name: "a body that is not JSON", bytes: () => frame(Buffer.from("{nope")), code: "RUN_CONTROL_PROTOCOL" },
  { name: "a body that is not UTF-8", bytes: () => frame(Buffer.from([0xff, 0xfe])), code: "RUN_CONTROL_PROTOCOL" },
  { name: "another protocol version", bytes: () => encodeControlFrame({ v: 99, id: 7, method: "status" }), code: "RUN_CONTROL_PROTOCOL" },
  { name: "an unknown method", bytes: () => encodeControlFrame({ v: CONTROL_PROTOCOL_VERSION, id: 7, method: "format_disk" }), code: "RUN_CONTROL_PROTOCOL" },
  { name: "an unknown field", bytes: () => encodeControlFrame({ v: CONTROL_PROTOCOL_VERSION, id: 7, method: "status", extra: 1 }), code: "RUN_CONTROL_PROTOCOL" },
  { name: "a bad id", bytes: () => encodeControlFrame({ v: CONTROL_PROTOCOL_VERSION, id: -1, method: "status" }), code: "RUN_CONTROL_PROTOCOL" },
];
function frame(body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
}
for (const g of garbage) {
  test(`${g.name} gets one coded error and the connection closes; the server keeps serving`, async () => {
    let calls = 0;
    await withServer(async () => (calls++, status), async (home) => {
      const replies = await exchange(home, g.bytes());
      assert.equal(replies.length, 1);
      assert.equal((replies[0] as { type: string }).type, "error");
      assert.equal((replies[0] as { error: { code: string } }).error.code, g.code);
      assert.equal(calls, 0, "nothing reached the dispatcher");
      const client = await connectDaemon(home);
      assert.deepEqual(await client.request("status"), status);
      client.close();
    });
  });
}

test("a client that goes away mid-stream ends the stream (gone resolves); the server is unaffected", async () => {
  let sawGone = false;
  await withServer(async (r, rc) => {
    if (r.method !== "logs") return status;
    rc.emit({ kind: "log", line: "first" });
    await rc.gone;
    sawGone = rc.isGone();
    return { lines: [] };
  }, async (home) => {
    const client = await connectDaemon(home);
    const pending = client.request("logs", { name: "a", follow: true }, () => client.close());
    await assert.rejects(pending, (e: unknown) => e instanceof MvmError && e.code === "RUN_DAEMON_LOST");
    const other = await connectDaemon(home);
    assert.deepEqual(await other.request("status"), status);
    other.close();
  });
  assert.equal(sawGone, true);
});

test("with no daemon, connect says so without starting one", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-ctl-"));
  try {
    await assert.rejects(connectDaemon(home), (e: unknown) => e instanceof MvmError && e.code === "RUN_DAEMON_NOT_RUNNING");
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
