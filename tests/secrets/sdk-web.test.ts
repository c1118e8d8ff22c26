// mvm-sdk's webFetch/webSearch as a guest function calls them, with the runner's relay (globalThis.mvmHostRequest)
// wired straight to the real host side (InstanceEgress) — what the agent's host_request path carries between them.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InstanceEgress, issueSecretToken, setSecret } from "@mvm/runtime";
import * as mvm from "mvm-sdk";

const home = mkdtempSync(join(tmpdir(), "mvm-sdk-web-"));
process.env.MVM_HOME = home;
const VALUE = "sdk-marker-+/=\"";
const token = issueSecretToken("api-key");
let origin = "";
const seen: string[] = [];
const server = createServer((req, res) => {
  seen.push(String(req.headers.authorization));
  res.end(JSON.stringify({ echoed: req.headers.authorization }));
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setSecret("api-key", VALUE, [origin]);
  const egress = new InstanceEgress("sdk-test", new Map([[token, "api-key"]]));
  // The Node runner's relay rejects with this message shape when the host answers ok:false.
  (globalThis as Record<string, unknown>).mvmHostRequest = (kind: string, payload: unknown) =>
    egress.handle(kind, payload).catch((e: { code: string; message: string }) => { throw new Error(`host_request ${kind} failed: ${e.code}: ${e.message}`); });
});
after(async () => {
  delete (globalThis as Record<string, unknown>).mvmHostRequest;
  await new Promise((r) => server.close(r));
  rmSync(home, { recursive: true, force: true });
});

test("webFetch sends the token; the server gets the value; the function gets the token back", async () => {
  const r = await mvm.webFetch(`${origin}/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(seen.at(-1), `Bearer ${VALUE}`);
  assert.deepEqual(r.json(), { echoed: `Bearer ${token}` });
  assert.equal(r.status, 200);
});

test("a refusal reaches the function as an MvmError with the host's code", async () => {
  await assert.rejects(mvm.web_fetch("http://127.0.0.1:1/", { headers: { authorization: token } }),
    (e: unknown) => e instanceof mvm.MvmError && e.code === "SECRET_ORIGIN_NOT_ALLOWED");
  await assert.rejects(mvm.webSearch("x"), (e: unknown) => e instanceof mvm.MvmError && e.code === "SECRET_SEARCH_NOT_CONFIGURED");
});

test("outside a guest there is no relay: RUN_NOT_IN_GUEST", async () => {
  const relay = (globalThis as Record<string, unknown>).mvmHostRequest;
  delete (globalThis as Record<string, unknown>).mvmHostRequest;
  try {
    await assert.rejects(mvm.webFetch(origin), (e: unknown) => e instanceof mvm.MvmError && e.code === "RUN_NOT_IN_GUEST");
  } finally {
    (globalThis as Record<string, unknown>).mvmHostRequest = relay;
  }
});
