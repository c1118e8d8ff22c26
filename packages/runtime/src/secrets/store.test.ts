import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { allowEgress, denyEgress, egressAllowlist } from "./egress-policy.ts";
import { parseOrigin } from "./origin.ts";
import { allowOrigins, denyOrigins, listSecrets, removeSecret, secretValue, setSecret } from "./store.ts";
import { tempMvmHome } from "./secrets.test-helpers.ts";

const { home, cleanup } = tempMvmHome();
after(cleanup);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "no error";
}

test("set, list, allow, deny and remove; the listing never holds a value", () => {
  setSecret("api-key", "s3cr3t+/=\"value", ["https://api.example.com"]);
  allowOrigins("api-key", ["http://127.0.0.1:8080", "https://api.example.com:443"]);
  assert.deepEqual(listSecrets(), [{ name: "api-key", isSet: true, setAt: listSecrets()[0]!.setAt, allowed: ["http://127.0.0.1:8080", "https://api.example.com"] }]);
  assert.doesNotMatch(JSON.stringify(listSecrets()), /s3cr3t/);
  denyOrigins("api-key", ["https://api.example.com"]);
  assert.deepEqual(listSecrets()[0]!.allowed, ["http://127.0.0.1:8080"]);
  assert.equal(secretValue("api-key"), "s3cr3t+/=\"value");
  setSecret("api-key", "rotated");
  assert.equal(secretValue("api-key"), "rotated");
  assert.deepEqual(listSecrets()[0]!.allowed, ["http://127.0.0.1:8080"], "replacing the value keeps the allowlist");
  removeSecret("api-key");
  assert.deepEqual(listSecrets(), []);
  assert.equal(code(() => removeSecret("api-key")), "SECRET_NOT_FOUND");
});

test("files are 0600 in a 0700 directory, and no temp file is left behind", () => {
  setSecret("db.password", "pw");
  const dir = join(home, "secrets");
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, "db.password.json")).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["db.password.json"]);
});

test("an allowlist may exist before the value: the secret is known but not set", () => {
  allowOrigins("later", ["https://later.example"]);
  const later = listSecrets().find((s) => s.name === "later");
  assert.deepEqual(later, { name: "later", isSet: false, setAt: null, allowed: ["https://later.example"] });
  assert.equal(code(() => secretValue("later")), "SECRET_NOT_SET");
});

test("bad names, empty, oversized and multi-line values are refused and nothing is written", () => {
  const before = readdirSync(join(home, "secrets")).sort();
  assert.equal(code(() => setSecret("API_KEY", "x")), "SECRET_INVALID_NAME");
  assert.equal(code(() => setSecret("../escape", "x")), "SECRET_INVALID_NAME");
  assert.equal(code(() => setSecret("empty", "")), "SECRET_EMPTY_VALUE");
  assert.equal(code(() => setSecret("big", "x".repeat(16 * 1024 + 1))), "SECRET_TOO_LARGE");
  assert.equal(code(() => setSecret("inject", "v\r\nX-Evil: 1")), "SECRET_BAD_VALUE");
  assert.equal(code(() => setSecret("nul", "a\u0000b")), "SECRET_BAD_VALUE");
  assert.equal(code(() => setSecret("ok", "v", ["https://api.example.com/path"])), "SECRET_BAD_ORIGIN");
  assert.deepEqual(readdirSync(join(home, "secrets")).sort(), before);
});

test("origins compare with explicit ports; paths, uppercase and other schemes are not origins", () => {
  assert.equal(parseOrigin("https://a.example"), parseOrigin("https://a.example:443"));
  assert.notEqual(parseOrigin("http://a.example"), parseOrigin("https://a.example"));
  for (const bad of ["https://A.example", "https://a.example/", "ftp://a.example", "https://a.example:99999x", "https://user@a.example"]) {
    assert.equal(code(() => parseOrigin(bad)), "SECRET_BAD_ORIGIN", bad);
  }
});

test("the egress allowlist starts empty and is edited atomically", () => {
  assert.deepEqual(egressAllowlist(), []);
  assert.deepEqual(allowEgress(["http://127.0.0.1:9000", "https://docs.example"]), ["http://127.0.0.1:9000", "https://docs.example"]);
  assert.deepEqual(denyEgress(["https://docs.example"]), ["http://127.0.0.1:9000"]);
  assert.match(readFileSync(join(home, "egress.json"), "utf8"), /^\{"allowed":\["http:\/\/127\.0\.0\.1:9000"\]\}\n$/);
});
