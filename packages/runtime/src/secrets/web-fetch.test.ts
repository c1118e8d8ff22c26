// Host-mediated egress against real HTTP servers on 127.0.0.1: what each server received is the proof.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { auditLogPath } from "./audit.ts";
import { allowEgress } from "./egress-policy.ts";
import { InstanceEgress, MAX_EGRESS_INFLIGHT } from "./instance-egress.ts";
import { allowOrigins, setSecret } from "./store.ts";
import { issueSecretToken } from "./tokens.ts";
import { webFetch, WEB_FETCH_LIMITS } from "./web-fetch.ts";
import { webSearch } from "./web-search.ts";
import { recordingServer, tempMvmHome, type RecordingServer } from "./secrets.test-helpers.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

// A long random marker with every character base64 and URL encodings treat specially.
const VALUE = `mk-${Math.random().toString(36).slice(2)}+/="x y&z`;
const { home, cleanup } = tempMvmHome();
let allowed: RecordingServer;
let other: RecordingServer;
const token = issueSecretToken("api-key");
const tokens = new Map([[token, "api-key"]]);

before(async () => {
  allowed = await recordingServer();
  other = await recordingServer();
  setSecret("api-key", VALUE, [allowed.origin]);
});
after(async () => {
  await allowed.close();
  await other.close();
  cleanup();
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "no error";
}

test("to an allowed origin the header carries the raw value; the body the guest sees has the token again, in every encoding", async () => {
  const echo = await recordingServer((r, res) => {
    const v = r.headers.authorization?.slice("Bearer ".length) ?? "";
    res.writeHead(200, { "content-type": "application/json", "x-echo": v }).end(JSON.stringify({
      raw: v, url: encodeURIComponent(v), b64: Buffer.from(v).toString("base64"), b64url: Buffer.from(v).toString("base64url"),
    }));
  });
  allowOrigins("api-key", [echo.origin]);
  const res = await webFetch({ url: `${echo.origin}/v1/me`, headers: { Authorization: `Bearer ${token}` } }, "inst-a", tokens);
  assert.equal(echo.received[0]?.headers.authorization, `Bearer ${VALUE}`);
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body ?? "") as Record<string, string>;
  assert.deepEqual(body, {
    raw: token, url: encodeURIComponent(token), b64: Buffer.from(token).toString("base64"), b64url: Buffer.from(token).toString("base64url"),
  });
  assert.equal(res.headers["x-echo"], token);
  assert.ok(!JSON.stringify(res).includes(VALUE.slice(0, 12)), "no trace of the value reaches the guest");
  await echo.close();
});

test("in a JSON body, a query string and a form body the value is written the way that place needs", async () => {
  const n = allowed.received.length;
  await webFetch({ url: `${allowed.origin}/q?key=${token}`, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: token }) }, "inst-a", tokens);
  const got = allowed.received[n]!;
  assert.equal(new URL(got.url, allowed.origin).searchParams.get("key"), VALUE);
  assert.equal((JSON.parse(got.body.toString("utf8")) as { key: string }).key, VALUE);
  await webFetch({ url: `${allowed.origin}/form`, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `key=${token}&a=1` }, "inst-a", tokens);
  assert.equal(new URLSearchParams(allowed.received[n + 1]!.body.toString("utf8")).get("key"), VALUE);
});

test("to any other origin the token is refused naming the secret and the host, and that server receives nothing", async () => {
  const code = await refusal(webFetch({ url: `${other.origin}/steal`, headers: { "x-key": token } }, "inst-a", tokens));
  assert.equal(code, "SECRET_ORIGIN_NOT_ALLOWED");
  const err = await webFetch({ url: `${other.origin}/`, body: `k=${token}`, method: "POST" }, "inst-a", tokens).catch((e: Error) => e);
  assert.match(String(err), /"api-key" may not be sent to http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(other.received.length, 0);
});

test("a token in the URL's userinfo or in a header name is never substituted, and nothing is sent", async () => {
  const n = allowed.received.length;
  const host = allowed.origin.replace("http://", "");
  assert.equal(await refusal(webFetch({ url: `http://${encodeURIComponent(token)}@${host}/` }, "inst-a", tokens)), "SECRET_TOKEN_PLACEMENT");
  assert.equal(await refusal(webFetch({ url: `${allowed.origin}/`, headers: { [`x-${token.replaceAll(":", "-")}`]: "1" } }, "inst-a", tokens)), "SECRET_EGRESS_DENIED");
  assert.equal(allowed.received.length, n);
});

test("a token from another instance (or one not issued) releases nothing", async () => {
  const foreign = issueSecretToken("api-key");
  assert.equal(await refusal(webFetch({ url: `${allowed.origin}/`, headers: { authorization: foreign } }, "inst-a", tokens)), "SECRET_UNKNOWN_TOKEN");
  assert.equal(await refusal(webFetch({ url: `${allowed.origin}/`, headers: { authorization: token } }, "inst-b", new Map())), "SECRET_UNKNOWN_TOKEN");
});

test("a redirect from an allowed host to another is re-checked at the hop: refused, and the other host receives nothing", async () => {
  const bouncer = await recordingServer((r, res) => res.writeHead(302, { location: `${other.origin}/landing?k=${encodeURIComponent(r.headers["x-key"] as string)}` }).end());
  allowOrigins("api-key", [bouncer.origin]);
  const err = await webFetch({ url: `${bouncer.origin}/start`, headers: { "x-key": token } }, "inst-a", tokens).catch((e: Error & { code?: string }) => e);
  assert.equal((err as { code?: string }).code, "SECRET_ORIGIN_NOT_ALLOWED");
  assert.match(String(err), /after a redirect/);
  assert.equal(bouncer.received[0]?.headers["x-key"], VALUE);
  assert.equal(other.received.length, 0);
  await bouncer.close();
});

test("a redirect that stays within allowed origins is followed; 303 becomes GET", async () => {
  const hop = await recordingServer((r, res) => (r.url === "/a" ? res.writeHead(303, { location: "/b" }).end() : res.writeHead(200).end("landed")));
  allowOrigins("api-key", [hop.origin]);
  const res = await webFetch({ url: `${hop.origin}/a`, method: "POST", body: token }, "inst-a", tokens);
  assert.deepEqual([res.status, res.body, res.redirects], [200, "landed", 1]);
  assert.deepEqual(hop.received.map((r) => [r.method, r.url, r.body.toString()]), [["POST", "/a", VALUE], ["GET", "/b", ""]]);
  await hop.close();
});

test("with no secret, egress goes only to origins the operator allows", async () => {
  const plain = await recordingServer();
  assert.equal(await refusal(webFetch({ url: `${plain.origin}/` }, "inst-a", tokens)), "SECRET_EGRESS_DENIED");
  assert.equal(plain.received.length, 0);
  allowEgress([plain.origin]);
  assert.equal((await webFetch({ url: `${plain.origin}/ok` }, "inst-a", tokens)).status, 200);
  await plain.close();
});

test("a secret that has no value yet refuses with the command that sets it", async () => {
  allowOrigins("unset", [allowed.origin]);
  const t = issueSecretToken("unset");
  const err = await webFetch({ url: `${allowed.origin}/`, headers: { authorization: t } }, "inst-a", new Map([[t, "unset"]])).catch((e: Error) => e);
  assert.equal((err as { code?: string }).code, "SECRET_NOT_SET");
  assert.match((err as { hint?: string }).hint ?? "", /mvmctl secret set unset/);
});

test("caps: an oversized response and a slow server fail with their codes; a binary body comes back as base64", async () => {
  const big = await recordingServer((_r, res) => res.end(Buffer.alloc(WEB_FETCH_LIMITS.maxResponseBytes + 1, 0x61)));
  const slow = await recordingServer(() => undefined);
  const binary = await recordingServer((_r, res) => res.end(Buffer.from([0xff, 0xfe, 0x00, 0x41])));
  allowEgress([big.origin, slow.origin, binary.origin]);
  assert.equal(await refusal(webFetch({ url: `${big.origin}/` }, "inst-a", tokens)), "SECRET_FETCH_TOO_LARGE");
  assert.equal(await refusal(webFetch({ url: `${slow.origin}/`, timeout_ms: 200 }, "inst-a", tokens)), "SECRET_FETCH_TIMEOUT");
  assert.equal((await webFetch({ url: `${binary.origin}/` }, "inst-a", tokens)).body_b64, Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString("base64"));
  await Promise.all([big.close(), slow.close(), binary.close()]);
});

test("malformed requests are refused before anything is sent", async () => {
  for (const bad of [{ url: "file:///etc/passwd" }, { url: "not a url" }, { url: `${allowed.origin}/`, headers: { host: "x" } }, { url: `${allowed.origin}/`, headers: { a: "b\r\nc: d" } }, { url: `${allowed.origin}/`, extra: 1 }]) {
    assert.equal(await refusal(webFetch(bad, "inst-a", tokens)), "SECRET_BAD_REQUEST", JSON.stringify(bad));
  }
});

test("a guest flooding web_fetch gets SECRET_BUSY past its cap, the others complete", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = await recordingServer((_r, res) => void gate.then(() => res.end("ok")));
  allowEgress([held.origin]);
  const egress = new InstanceEgress("inst-f", tokens);
  const calls = Array.from({ length: MAX_EGRESS_INFLIGHT + 1 }, () => egress.handle("web_fetch", { url: `${held.origin}/` }).then(() => "ok", (e: { code?: string }) => e.code));
  while (held.received.length < MAX_EGRESS_INFLIGHT) await new Promise((r) => setTimeout(r, 10));
  release();
  const outcomes = await Promise.all(calls);
  assert.equal(outcomes.filter((o) => o === "SECRET_BUSY").length, 1);
  assert.equal(outcomes.filter((o) => o === "ok").length, MAX_EGRESS_INFLIGHT);
  await held.close();
});

test("web_search asks the configured provider with the key as a secret and returns its results", async () => {
  setSecret("search-key", "search-raw-key-42");
  const provider = await recordingServer((r, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
    web: { results: [{ title: "mvm", url: "https://example.org/mvm", description: `q=${new URL(r.url, "http://x").searchParams.get("q")}` }] },
  })));
  writeFileSync(join(home, "search.json"), JSON.stringify({ endpoint: `${provider.origin}/res/v1/web/search`, key_secret: "search-key" }));
  assert.equal(await refusal(webSearch({ query: "microvm" }, "inst-a")), "SECRET_ORIGIN_NOT_ALLOWED", "the key is released only to an allowed origin");
  allowOrigins("search-key", [provider.origin]);
  assert.deepEqual(await webSearch({ query: "microvm", max_results: 3 }, "inst-a"), [{ title: "mvm", url: "https://example.org/mvm", snippet: "q=microvm" }]);
  assert.equal(provider.received.at(-1)?.headers["x-subscription-token"], "search-raw-key-42");
  assert.equal(provider.received.length, 1);
  await provider.close();
});

test("the audit log names instance, secrets, origin, method and outcome — never a value or a token", () => {
  const lines = readFileSync(auditLogPath(), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l.outcome === "released" && (l.secrets as string[]).includes("api-key") && l.status === 200));
  assert.ok(lines.some((l) => l.outcome === "refused" && l.reason === "SECRET_ORIGIN_NOT_ALLOWED" && l.origin === `${other.origin}`));
  assert.ok(lines.some((l) => l.outcome === "sent" && (l.secrets as string[]).length === 0));
  const text = readFileSync(auditLogPath(), "utf8");
  assert.ok(!text.includes(VALUE.slice(0, 12)) && !text.includes("search-raw-key-42"), "no value in the audit log");
  assert.doesNotMatch(text, /mvm-secret:/, "no token in the audit log");
});
