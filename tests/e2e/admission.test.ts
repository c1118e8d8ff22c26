// Admission through mvmctl, as an operator runs it: keygen, sign, policy trust and require-signed, then
// build and up. Every tamper case the issue lists is refused before anything is built, with its code and a
// message naming the file and the hashes (or the key), leaving nothing behind; an untampered signed artifact
// builds, its manifest records the signature, images and review show it, and it boots and answers under the
// policy (one real microVM, TCG here). An image rebuilt from other input, or whose key is no longer trusted,
// is refused at up before anything starts. Without a policy nothing changes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mvmCacheDir } from "@mvm/builder";
import { compileTo, errorCode, leftovers, mvmctl, tmpSnapshot, writeApp } from "./build.test-helpers.ts";
import { mvmctl as mvmctlAsync, psJson, qemuUnder } from "./run.test-helpers.ts";

const work = mkdtempSync(join(tmpdir(), "mvm-admission-"));
/** Alice's home: her key, trusted, and require_signed on; the successful builds happen here. */
const home = join(work, "home");
/** Another home trusting Alice under the same policy, where nothing is ever admitted. */
const strictHome = join(work, "strict-home");
/** Mallory's home: a key nobody trusts. */
const malloryHome = join(work, "mallory-home");

const APP = {
  "app.py": `import mvm
from helper import GREETING

@mvm.app(name="signed-app", image=mvm.python_image(python="3.13"))
def greet(name: str) -> str:
    return f"{GREETING} {name}"
`,
  "helper.py": "GREETING = 'hello'\n",
};

const run = (h: string, ...args: string[]) => mvmctl(args, { MVM_HOME: h });
function ok(r: ReturnType<typeof mvmctl>): string {
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let appDir: string;
let count = 0;
/** A fresh compile output of the app, signed by `signer`'s home unless null. */
function signedOutput(signerHome: string | null = home, app = appDir): string {
  const out = join(work, `out-${++count}`);
  compileTo(join(app, "app.py"), out);
  if (signerHome) ok(run(signerHome, "sign", out));
  return out;
}

let aliceKeyId: string;
before(() => {
  appDir = writeApp(APP);
  for (const h of [home, strictHome, malloryHome]) mkdirSync(h);
  const keygen = run(home, "keygen", "alice");
  ok(keygen);
  assert.match(keygen.stdout, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
  aliceKeyId = /id ([0-9a-f]{16})/.exec(keygen.stderr)?.[1] ?? assert.fail(keygen.stderr);
  const pub = join(work, "alice.pub");
  writeFileSync(pub, ok(run(home, "key", "export", "alice")));
  for (const h of [home, strictHome]) {
    ok(run(h, "policy", "trust", pub));
    ok(run(h, "policy", "require-signed", "on"));
  }
  ok(run(malloryHome, "keygen", "mallory"));
});
after(async () => {
  await mvmctlAsync(home, ["down", "--all", "--timeout", "10"]);
  await mvmctlAsync(home, ["daemon", "stop"]);
  rmSync(work, { recursive: true, force: true });
});

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  writeFileSync(path, bytes);
}

const tamperCases: { name: string; code: string; prepare: () => string; mentions: (dir: string) => (string | RegExp)[] }[] = [
  {
    name: "one byte changed in a source file",
    code: "ADMIT_TAMPERED",
    prepare: () => { const d = signedOutput(); flipByte(join(d, "source/helper.py"), 2); return d; },
    mentions: () => [/source\/helper\.py changed: sha256 [0-9a-f]{64} now, [0-9a-f]{64} when signed/, `alice (key ${aliceKeyId}`],
  },
  {
    name: "one byte changed in workload.json",
    code: "ADMIT_TAMPERED",
    prepare: () => { const d = signedOutput(); flipByte(join(d, "workload.json"), 20); return d; },
    mentions: () => [/workload\.json changed: sha256 [0-9a-f]{64} now, [0-9a-f]{64} when signed/],
  },
  {
    name: "one byte changed in launch.json",
    code: "ADMIT_TAMPERED",
    prepare: () => { const d = signedOutput(); flipByte(join(d, "launch.json"), 20); return d; },
    mentions: () => [/launch\.json changed: sha256 [0-9a-f]{64} now, [0-9a-f]{64} when signed/],
  },
  {
    name: "a file added to source/",
    code: "ADMIT_TAMPERED",
    prepare: () => { const d = signedOutput(); writeFileSync(join(d, "source/sitecustomize.py"), "import os\n"); return d; },
    mentions: () => [/source\/sitecustomize\.py was added after signing/],
  },
  {
    name: "a signature from another artifact",
    code: "ADMIT_OTHER_ARTIFACT",
    prepare: () => {
      const d = signedOutput(null);
      const other = signedOutput(home, writeApp({ ...APP, "app.py": APP["app.py"].replace("signed-app", "other-app") }));
      copyFileSync(join(other, "signature.json"), join(d, "signature.json"));
      return d;
    },
    mentions: () => [/made by alice .* for app "other-app", not "signed-app"/],
  },
  {
    name: "an untrusted key",
    code: "ADMIT_UNTRUSTED_KEY",
    prepare: () => signedOutput(malloryHome),
    mentions: () => [/signed by mallory \(key [0-9a-f]{16}/, `it trusts alice (${aliceKeyId})`, join(strictHome, "policy.json")],
  },
  {
    name: "no signature at all",
    code: "ADMIT_UNSIGNED",
    prepare: () => signedOutput(null),
    mentions: (d) => [`${d} has no signature.json`, "mvmctl sign"],
  },
];

for (const c of tamperCases) {
  test(`build under the policy refuses ${c.name} (${c.code}), leaving nothing behind`, () => {
    const dir = c.prepare();
    const since = tmpSnapshot();
    const r = run(strictHome, "build", dir);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(errorCode(r.stderr), c.code, r.stderr);
    for (const m of c.mentions(dir)) assert.ok(typeof m === "string" ? r.stderr.includes(m) : m.test(r.stderr), `the message names ${m}:\n${r.stderr}`);
    // Temp dirs are left out: a refusal comes before any is made, and other builds on this machine make theirs.
    assert.deepEqual(leftovers(strictHome, mvmCacheDir(), since).filter((f) => !f.startsWith(tmpdir())), []);
    const verify = run(strictHome, "verify", dir);
    assert.equal(errorCode(verify.stderr), c.code, `verify agrees with build:\n${verify.stderr}`);
  });
}

test("build APP_FILE under the policy is refused before compiling: a temporary compile output is unsigned", () => {
  const r = run(strictHome, "build", join(appDir, "app.py"));
  assert.equal(r.status, 1);
  assert.equal(errorCode(r.stderr), "ADMIT_UNSIGNED", r.stderr);
  assert.match(r.stderr, /is an app file, which build would compile to an unsigned temporary directory/);
  assert.match(r.stderr, /mvmctl compile .*app\.py --out DIR, mvmctl review DIR, mvmctl sign DIR, mvmctl build DIR/);
});

interface Manifest {
  signature: { payload: { signer: { name: string; key_id: string }; signed_at: string } } | null;
  artifact_digests: Record<string, string>;
  packages: { package: string; version: string }[];
}
const manifestOf = (h: string, name: string) => JSON.parse(readFileSync(join(h, "apps", name, "manifest.json"), "utf8")) as Manifest;

let signedDir: string;
test("an untampered signed artifact builds under the policy; the manifest records its signature and digests", () => {
  signedDir = signedOutput();
  const summary = JSON.parse(ok(run(home, "build", signedDir, "--json"))) as { signature: { signer: { name: string; key_id: string } } | null };
  assert.deepEqual(summary.signature?.signer, { name: "alice", key_id: aliceKeyId });
  const m = manifestOf(home, "signed-app");
  const sig = JSON.parse(readFileSync(join(signedDir, "signature.json"), "utf8")) as { payload: { digests: Record<string, string> } };
  assert.deepEqual(m.artifact_digests, sig.payload.digests);
  assert.equal(m.signature?.payload.signer.name, "alice");
  assert.ok(!("source_files" in (m.signature ?? {})), "the manifest keeps the signature, not its file listing");
  assert.equal(ok(run(home, "verify", signedDir)), `OK: ${signedDir} (app signed-app) is exactly what alice (key ${aliceKeyId}) signed at ${m.signature?.payload.signed_at}\n`);
});

test("images shows the signer, and whether the policy trusts the key now", () => {
  assert.match(ok(run(home, "images")), new RegExp(`^NAME .* SIGNER\\nsigned-app .* alice ${aliceKeyId}$`, "m"));
  const rows = JSON.parse(ok(run(home, "images", "--json"))) as { name: string; signer: { name: string; trusted: boolean } | null }[];
  assert.deepEqual(rows.map((r) => [r.name, r.signer?.name, r.signer?.trusted]), [["signed-app", "alice", true]]);
});

test("review shows the versions the build resolved (from the cached layers) and the signature", () => {
  const review = JSON.parse(ok(run(home, "review", signedDir, "--json"))) as { signature: { status: string; trusted_as: string }; image: { packages: { package: string; version: string }[] } };
  assert.deepEqual(review.image.packages.map((p) => [p.package, p.version]), manifestOf(home, "signed-app").packages.map((p) => [p.package, p.version]));
  assert.deepEqual([review.signature.status, review.signature.trusted_as], ["valid", "alice"]);
});

test("signing again and rebuilding records the new signature without rebuilding the image", () => {
  const image = join(home, "apps/signed-app/rootfs.ext4");
  const before = { ino: statSync(image).ino, signedAt: manifestOf(home, "signed-app").signature?.payload.signed_at };
  ok(run(home, "sign", signedDir));
  const summary = JSON.parse(ok(run(home, "build", signedDir, "--json"))) as { cached: boolean };
  assert.equal(summary.cached, true);
  assert.equal(statSync(image).ino, before.ino, "the same image file");
  const now = manifestOf(home, "signed-app").signature?.payload.signed_at;
  assert.ok(now && now !== before.signedAt, `the manifest has the new signature (${before.signedAt} → ${now})`);
});

/** `mvmctl up APP` refused with `code` before anything started: no instance, no QEMU. */
async function upRefused(app: string, code: string, mentions: (string | RegExp)[]): Promise<void> {
  const r = await mvmctlAsync(home, ["up", app]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(errorCode(r.stderr), code, r.stderr);
  for (const m of mentions) assert.ok(typeof m === "string" ? r.stderr.includes(m) : m.test(r.stderr), `the message names ${m}:\n${r.stderr}`);
  assert.deepEqual(await psJson(home), [], "no instance was created");
  assert.equal(qemuUnder(home), undefined, "no VM was started");
}

test("under the policy, the image built from the signed artifacts boots and answers; ps shows its signer", async () => {
  const up = await mvmctlAsync(home, ["up", "signed-app"]);
  assert.equal(up.status, 0, up.stderr);
  const invoke = await mvmctlAsync(home, ["invoke", "signed-app", "--input", "name=ari"]);
  assert.equal(invoke.stdout, "hello ari\n", invoke.stderr);
  const [row] = await psJson(home);
  assert.deepEqual([row?.name, row?.signer?.name, row?.signer?.key_id], ["signed-app", "alice", aliceKeyId]);
  assert.match((await mvmctlAsync(home, ["ps"])).stdout, new RegExp(`^signed-app\\s+signed-app\\s+ready\\s.* alice ${aliceKeyId}\\s`, "m"));
  assert.equal((await mvmctlAsync(home, ["down", "signed-app"])).status, 0);
});

test("an image rebuilt from other input is refused at up: unsigned, or carrying a signature over other digests", async () => {
  const manifestPath = join(home, "apps/signed-app/manifest.json");
  const admitted = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  // The policy is switched off for a moment, and the app rebuilt from an edited, unsigned compile output.
  ok(run(home, "policy", "require-signed", "off"));
  const app = writeApp({ ...APP, "helper.py": "GREETING = 'pwned'\n" });
  const other = signedOutput(null, app);
  ok(run(home, "build", other));
  ok(run(home, "policy", "require-signed", "on"));
  await upRefused("signed-app", "ADMIT_UNSIGNED", [`the image of "signed-app" was built from unsigned artifacts (${manifestPath}`, "policy.json requires"]);
  // The admitted signature pasted into the new image's manifest does not cover what it was built from.
  const rebuilt = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  writeFileSync(manifestPath, JSON.stringify({ ...rebuilt, signature: admitted.signature }, null, 2));
  await upRefused("signed-app", "ADMIT_IMAGE_MISMATCH", [manifestPath,
    `launch.json: the image was built from ${rebuilt.artifact_digests["launch.json"]}, the signature covers ${admitted.artifact_digests["launch.json"]}`,
    `source/: the image was built from ${rebuilt.artifact_digests["source/"]}, the signature covers ${admitted.artifact_digests["source/"]}`]);
});

test("a key untrusted after the build stops its image at up; trusted again, images shows it trusted", async () => {
  ok(run(home, "build", signedDir));
  ok(run(home, "policy", "untrust", "alice"));
  await upRefused("signed-app", "ADMIT_UNTRUSTED_KEY", [`signed by alice (key ${aliceKeyId}`, "it trusts no key yet"]);
  assert.match(ok(run(home, "images")), new RegExp(`alice ${aliceKeyId} \\(untrusted\\)$`, "m"));
  ok(run(home, "policy", "trust", join(work, "alice.pub")));
  assert.doesNotMatch(ok(run(home, "images")), /untrusted/);
});

test("without a policy the unsigned flow is unchanged: it builds, the manifest says unsigned, images shows -", () => {
  const plain = join(work, "plain-home");
  mkdirSync(plain);
  const dir = signedOutput(null);
  ok(run(plain, "build", dir));
  assert.equal(manifestOf(plain, "signed-app").signature, null);
  assert.match(ok(run(plain, "images")), /^signed-app .* -$/m);
  // Recompiled after signing, without a policy: a loud warning, and the image is recorded as unsigned.
  const app = writeApp(APP);
  const stale = signedOutput(home, app);
  writeFileSync(join(app, "helper.py"), "GREETING = 'howdy'\n");
  compileTo(join(app, "app.py"), stale);
  const r = run(plain, "build", stale);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: .*signature\.json was not used, the image is recorded as unsigned: error\[ADMIT_TAMPERED\]/);
  assert.equal(manifestOf(plain, "signed-app").signature, null);
});
