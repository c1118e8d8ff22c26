// mvmctl secret: the value comes from stdin only and never appears in any output; the store is 0600.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/mvmctl.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "mvmctl-secret-"));
after(() => rmSync(home, { recursive: true, force: true }));
const MARKER = `marker-${process.pid}-${Date.now()}`;

function mvmctl(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", env: { ...process.env, MVM_HOME: home } });
}

test("secret set reads the value from stdin; set, ls and allow never print it", () => {
  const set = mvmctl(["secret", "set", "api-key", "--allow", "https://api.example.com"], `${MARKER}\n`);
  assert.equal(set.status, 0, set.stderr);
  const ls = mvmctl(["secret", "ls", "--json"]);
  const allow = mvmctl(["secret", "allow", "api-key", "http://127.0.0.1:8080"]);
  for (const r of [set, ls, allow]) assert.ok(!`${r.stdout}${r.stderr}`.includes(MARKER), "the value is never printed");
  assert.deepEqual((JSON.parse(ls.stdout) as { name: string; allowed: string[] }[]).map((s) => [s.name, s.allowed]), [["api-key", ["https://api.example.com"]]]);
  assert.match(allow.stdout, /^api-key\tset .*\thttp:\/\/127\.0\.0\.1:8080 https:\/\/api\.example\.com\n$/);
  assert.equal(statSync(join(home, "secrets", "api-key.json")).mode & 0o777, 0o600);
});

test("an empty value, a bad name and a bad origin fail with their codes and store nothing", () => {
  const before = readdirSync(join(home, "secrets"));
  for (const [args, input, code] of [
    [["secret", "set", "empty"], "\n", "SECRET_EMPTY_VALUE"],
    [["secret", "set", "Bad_Name"], "v", "SECRET_INVALID_NAME"],
    [["secret", "set", "ok", "--allow", "api.example.com"], "v", "SECRET_BAD_ORIGIN"],
  ] as const) {
    const r = mvmctl([...args], input);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`error\\[${code}\\]`));
  }
  assert.deepEqual(readdirSync(join(home, "secrets")), before);
});

test("egress is empty until the operator allows an origin", () => {
  assert.match(mvmctl(["egress", "ls"]).stdout, /no origin allowed/);
  assert.equal(mvmctl(["egress", "allow", "http://127.0.0.1:9000"]).stdout, "http://127.0.0.1:9000\n");
  assert.equal(mvmctl(["egress", "deny", "http://127.0.0.1:9000"]).stdout.includes("no origin allowed"), true);
});
