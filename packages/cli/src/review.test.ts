// mvmctl review: everything a compile output gives its workload, as a person reads it and as --json; the
// operator's secret allowlist against what the declaration requests, with the command that allows the rest;
// hooks per phase with their owner; --fail-on gates for CI. A cache of its own, so no layer is cached and the
// versions are honestly unknown (tests/e2e/admission.test.ts checks them against a real build).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/mvmctl.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "mvmctl-review-"));
const env = { ...process.env, MVM_HOME: join(work, "home"), MVM_CACHE_DIR: join(work, "cache") };
after(() => rmSync(work, { recursive: true, force: true }));

function mvmctl(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", env });
}

const APP = `import mvm

tools = mvm.addon(name="tools", before_start="echo tools-ready", before_build=["true"])

@mvm.app(
    name="review-me",
    image=mvm.python_image(python="3.13", packages=["jq"]),
    resources=mvm.resources(cpu_cores=2, memory_mb=512),
    network=mvm.network(mode="bridge", ports=[{"guest": 8080, "host": 18080}]),
    env={"MODEL_PATH": "/data/model.pt", "API_KEY": mvm.secret("api-key", hosts=["https://api.example.com", "https://other.example.com:8443"])},
    addons=[tools],
    before_start="export HELLO_BANNER='hi'",
    after_start=mvm.hook(["curl", "-fsS", "http://127.0.0.1:8080/health"]),
)
def greet(name: str) -> str:
    return f"hello {name}"
`;
const PLAIN = `import mvm

@mvm.app(name="plain", image=mvm.python_image(python="3.13"))
def greet(name: str) -> str:
    return name
`;

const out = join(work, "out");
const plainOut = join(work, "plain-out");

before(() => {
  for (const [dir, text, dest] of [[join(work, "app"), APP, out], [join(work, "plain"), PLAIN, plainOut]] as const) {
    mkdirSync(dir);
    writeFileSync(join(dir, "app.py"), text);
    writeFileSync(join(dir, "weights.bin"), Buffer.alloc(3000));
    const r = mvmctl(["compile", join(dir, "app.py"), "--out", dest]);
    assert.equal(r.status, 0, r.stderr);
  }
  assert.equal(mvmctl(["secret", "set", "api-key", "--allow", "https://api.example.com"], "value\n").status, 0);
});

interface ReviewJson {
  app: string;
  signature: { status: string };
  image: { declared: string[]; suite: string; packages: { attribute: string | null; package: string; version: string | null }[]; layers: { name: string; cached: boolean }[] };
  resources: { cpu_cores: number; memory_mb: number; rootfs_size_mb: number };
  network: { mode: string; ports: { guest: number; host: number; proto: string }[] };
  env: { literals: Record<string, string>; secrets: { var: string; name: string; set: boolean; requested_hosts: string[]; allowed_origins: string[]; not_allowed: string[]; allow_command: string | null }[] };
  hooks: Record<string, { owner: string; command: unknown }[]>;
  files: { count: number; total_bytes: number; largest: { path: string; bytes: number }[] };
  gates: { checked: string[]; failed: { gate: string; why: string }[] };
}

test("--json holds everything the workload gets", () => {
  const r = mvmctl(["review", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as ReviewJson;
  assert.equal(j.app, "review-me");
  assert.equal(j.signature.status, "unsigned");
  assert.deepEqual(j.image.declared, ["python313", "jq"]);
  assert.equal(j.image.suite, "trixie");
  assert.deepEqual(j.image.packages.map((p) => [p.attribute, p.package, p.version]),
    [["python313", "python3.13", null], ["jq", "jq", null], [null, "busybox-static", null], [null, "curl", null]]);
  assert.deepEqual(j.image.layers, [{ name: "base", cached: false }]);
  assert.deepEqual(j.resources, { cpu_cores: 2, memory_mb: 512, rootfs_size_mb: 512 });
  assert.deepEqual(j.network, { mode: "bridge", declared: true, ports: [{ guest: 8080, host: 18080, proto: "tcp" }] });
  assert.deepEqual(j.env.literals, { MODEL_PATH: "/data/model.pt" });
  assert.deepEqual(j.env.secrets, [{
    var: "API_KEY", name: "api-key", set: true,
    requested_hosts: ["https://api.example.com", "https://other.example.com:8443"], allowed_origins: ["https://api.example.com"],
    not_allowed: ["https://other.example.com:8443"], allow_command: "mvmctl secret allow api-key https://other.example.com:8443",
  }]);
  assert.deepEqual(j.hooks, {
    before_build: [{ owner: "addon tools", command: { kind: "argv", argv: ["true"] } }],
    before_start: [{ owner: "addon tools", command: { kind: "shell", line: "echo tools-ready" } }, { owner: "app", command: { kind: "shell", line: "export HELLO_BANNER='hi'" } }],
    after_start: [{ owner: "app", command: { kind: "argv", argv: ["curl", "-fsS", "http://127.0.0.1:8080/health"] } }],
  });
  assert.equal(j.files.count, 2);
  assert.deepEqual(j.files.largest[0], { path: "weights.bin", bytes: 3000 });
  assert.equal(j.files.total_bytes, 3000 + Buffer.byteLength(APP));
  assert.deepEqual(j.gates, { checked: [], failed: [] });
});

test("the text review names each thing as it will be, and the command that allows the missing origin", () => {
  const r = mvmctl(["review", out]);
  assert.equal(r.status, 0, r.stderr);
  for (const line of [
    /^signature {3}unsigned \(no signature\.json\)$/m,
    /^ {2}python313 → python3\.13 \(version not known yet\) \[debian trixie\]$/m,
    /^resources {3}2 cpu, 512 MiB memory, 512 MiB root disk$/m,
    /^network {5}bridge\n {2}port: guest 8080 → host 127\.0\.0\.1:18080\/tcp$/m,
    /^ {2}MODEL_PATH="\/data\/model\.pt"$/m,
    /^ {2}API_KEY ← secret api-key \(set on this host\)$/m,
    /not yet allowed: https:\/\/other\.example\.com:8443 → mvmctl secret allow api-key https:\/\/other\.example\.com:8443$/m,
    /^ {2}before_start \(at every boot, before the function\):\n {4}1\. addon tools: sh: echo tools-ready\n {4}2\. app: sh: export HELLO_BANNER='hi'$/m,
    /^ {4}1\. app: argv \["curl","-fsS","http:\/\/127\.0\.0\.1:8080\/health"\]$/m,
    /^files {7}2 in source\/, 3\.\d KiB\n {2}largest: weights\.bin 2\.9 KiB, app\.py /m,
  ]) assert.match(r.stdout, line);
});

const gateCases: { name: string; dir: () => string; gates: string; failed: string[] }[] = [
  { name: "a workload with network, secrets and hooks fails those gates", dir: () => out, gates: "network,secrets,hooks", failed: ["network", "secrets", "hooks"] },
  { name: "ports, origins, before-build, addons and unsigned each trip on their own", dir: () => out, gates: "ports,origins,before-build,addons,unsigned", failed: ["ports", "origins", "before-build", "addons", "unsigned"] },
  { name: "a plain workload passes network, secrets, hooks and substitutions", dir: () => plainOut, gates: "network,secrets,hooks,substitutions", failed: [] },
];

for (const c of gateCases) {
  test(`--fail-on: ${c.name}`, () => {
    const r = mvmctl(["review", c.dir(), "--json", "--fail-on", c.gates]);
    const j = JSON.parse(r.stdout) as ReviewJson;
    assert.deepEqual(j.gates.failed.map((f) => f.gate), c.failed);
    assert.equal(r.status, c.failed.length ? 1 : 0, r.stderr);
    if (c.failed.length) assert.match(r.stderr, /error\[ADMIT_REVIEW_GATE\]: review of .* failed/);
  });
}

test("--fail-on with an unknown gate is a usage error naming the gates", () => {
  const r = mvmctl(["review", out, "--fail-on", "network,nonsense"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown gate "nonsense"; the gates are network, ports, secrets/);
});

test("review refuses a compile output whose artifacts disagree (what it would describe is not what would be built)", () => {
  const dir = join(work, "tampered");
  assert.equal(mvmctl(["compile", join(work, "plain", "app.py"), "--out", dir]).status, 0);
  writeFileSync(join(dir, "source", "extra.py"), "x = 1\n");
  const r = mvmctl(["review", dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[BUILD_TREE_HASH_MISMATCH\]/);
});
