// Signing and admitting real compile outputs: every tamper case is refused with its own code and a message
// naming the file and the hashes; what was signed is admitted; a recompile keeps signature.json and is
// judged against it. Policies, keys and artifacts are real files; nothing is mocked.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalDocument } from "@mvm/ir";
import {
  admitForBuild, generateKey, readArtifact, readCompileOutput, readSigningKey, setRequireSigned, signCompileOutput, trustKey,
  verifyArtifact, SIGNATURE_FILE, type SignatureDocument,
} from "./index.ts";
import { compiled, compileInto, freshHome, pyApp, thrown, work, writeAppDir } from "./admission.test-helpers.ts";

after(() => rmSync(work, { recursive: true, force: true }));

const APP = { "app.py": pyApp("signed-app"), "helper.py": "GREETING = 'hello'\n", "run.sh": "#!/bin/sh\necho hi\n" };

/** A home whose policy requires signatures and trusts its own key "alice"; returns it with a signed output. */
async function signedSetup(files: Record<string, string> = APP) {
  const home = freshHome();
  const key = generateKey(home, "alice");
  trustKey(home, key);
  setRequireSigned(home, true);
  const dir = await compiled(files);
  const doc = signCompileOutput(await readCompileOutput(dir), readSigningKey(home));
  return { home, dir, doc, key };
}

const admit = async (dir: string, home: string) => admitForBuild(await readArtifact(dir), home);

function flipByte(path: string, at = 0): void {
  const bytes = readFileSync(path);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  writeFileSync(path, bytes);
}

test("an untampered signed artifact is admitted, and the manifest's record is the signature without its listing", async () => {
  const { home, dir, doc } = await signedSetup();
  const admission = await admit(dir, home);
  assert.deepEqual(admission.warnings, []);
  const { source_files: listing, ...record } = doc;
  assert.deepEqual(admission.signature, record);
  assert.deepEqual(listing.map((e) => e.path), ["app.py", "helper.py", "run.sh"]);
  assert.equal(doc.payload.signer.name, "alice");
  assert.equal(doc.payload.workload_id, "signed-app");
});

test("signature.json is canonical JSON with the digests of workload.json, launch.json and the tree hash of source/", async () => {
  const { dir, doc } = await signedSetup();
  const text = readFileSync(join(dir, SIGNATURE_FILE), "utf8");
  assert.equal(text, canonicalDocument(JSON.parse(text)));
  const files = await readArtifact(dir);
  assert.deepEqual(doc.payload.digests, files.digests);
  const launch = JSON.parse(readFileSync(join(dir, "launch.json"), "utf8")) as { source: { tree_hash: string } };
  assert.equal(doc.payload.digests["source/"], launch.source.tree_hash);
});

const tamperCases: { name: string; code: string; tamper: (dir: string) => void; mentions: (dir: string, before: SignatureDocument) => (string | RegExp)[] }[] = [
  {
    name: "one byte changed in a source file",
    code: "ADMIT_TAMPERED",
    tamper: (dir) => flipByte(join(dir, "source/helper.py"), 3),
    mentions: (_dir, before) => [/source\/helper\.py changed: sha256 [0-9a-f]{64} now, [0-9a-f]{64} when signed/, `${before.source_files.find((e) => e.path === "helper.py")?.sha256} when signed`, "source/ changed: tree hash"],
  },
  {
    name: "one byte changed in workload.json",
    code: "ADMIT_TAMPERED",
    tamper: (dir) => flipByte(join(dir, "workload.json"), 10),
    mentions: (_dir, before) => [`workload.json changed: sha256`, `${before.payload.digests["workload.json"]} when signed`],
  },
  {
    name: "one byte changed in launch.json",
    code: "ADMIT_TAMPERED",
    tamper: (dir) => flipByte(join(dir, "launch.json"), 10),
    mentions: (_dir, before) => [`launch.json changed: sha256`, `${before.payload.digests["launch.json"]} when signed`],
  },
  {
    name: "a file added to source/",
    code: "ADMIT_TAMPERED",
    tamper: (dir) => writeFileSync(join(dir, "source/extra.py"), "import os\n"),
    mentions: () => [/source\/extra\.py was added after signing \(sha256 [0-9a-f]{64}\)/],
  },
  {
    name: "a file removed from source/",
    code: "ADMIT_TAMPERED",
    tamper: (dir) => rmSync(join(dir, "source/helper.py")),
    mentions: () => ["source/helper.py was removed after signing"],
  },
  {
    name: "a source file made executable",
    code: "ADMIT_TAMPERED",
    tamper: (dir) => chmodSync(join(dir, "source/helper.py"), 0o755),
    mentions: () => ["source/helper.py changed kind: an executable file now, a file when signed"],
  },
  {
    name: "the signer's name edited in signature.json",
    code: "ADMIT_SIGNATURE_INVALID",
    tamper: (dir) => {
      const path = join(dir, SIGNATURE_FILE);
      writeFileSync(path, readFileSync(path, "utf8").replace('"name":"alice"', '"name":"mallory"'));
    },
    mentions: (dir) => [join(dir, SIGNATURE_FILE), "does not hold"],
  },
  {
    name: "a signature.json that is not one",
    code: "ADMIT_SIGNATURE_INVALID",
    tamper: (dir) => writeFileSync(join(dir, SIGNATURE_FILE), '{"format":"mvm-artifact-signature/1"}\n'),
    mentions: (dir) => [join(dir, SIGNATURE_FILE), "payload"],
  },
  {
    name: "no signature.json at all",
    code: "ADMIT_UNSIGNED",
    tamper: (dir) => rmSync(join(dir, SIGNATURE_FILE)),
    mentions: (dir) => [`${dir} has no signature.json`, "policy.json requires"],
  },
];

for (const c of tamperCases) {
  test(`refused under the policy: ${c.name} (${c.code})`, async () => {
    const { home, dir, doc } = await signedSetup();
    c.tamper(dir);
    const err = await thrown(() => admit(dir, home));
    assert.equal(err.code, c.code, err.message);
    for (const m of c.mentions(dir, doc)) assert.ok(typeof m === "string" ? err.message.includes(m) : m.test(err.message), `names ${m}:\n${err.message}`);
    // verify agrees with build.
    assert.equal((await thrown(() => verifyArtifact(dir, home))).code, c.code);
  });
}

test("a signature from another artifact is refused as ADMIT_OTHER_ARTIFACT, naming whose it is", async () => {
  const { home, dir } = await signedSetup();
  const other = await compiled({ "app.py": pyApp("other-app") });
  signCompileOutput(await readCompileOutput(other), readSigningKey(home));
  copyFileSync(join(other, SIGNATURE_FILE), join(dir, SIGNATURE_FILE));
  const err = await thrown(() => admit(dir, home));
  assert.equal(err.code, "ADMIT_OTHER_ARTIFACT", err.message);
  assert.match(err.message, /for app "other-app", not "signed-app"/);
  assert.match(err.message, /workload\.json changed/);
  assert.match(err.hint ?? "", /mvmctl sign/);
});

test("a signature by a key the policy does not trust is refused, naming the key and what is trusted", async () => {
  const { home, dir } = await signedSetup();
  const elsewhere = freshHome();
  const mallory = generateKey(elsewhere, "mallory");
  signCompileOutput(await readCompileOutput(dir), readSigningKey(elsewhere));
  const err = await thrown(() => admit(dir, home));
  assert.equal(err.code, "ADMIT_UNTRUSTED_KEY", err.message);
  assert.ok(err.message.includes(`mallory (key ${mallory.keyId}`), err.message);
  assert.ok(err.message.includes(join(home, "policy.json")), err.message);
  assert.match(err.message, /it trusts alice \([0-9a-f]{16}\)/);
  assert.match(err.hint ?? "", /mvmctl policy trust/);
  // verify --key with mallory's public key accepts it; with alice's it does not.
  assert.equal((await verifyArtifact(dir, home, { key: mallory })).trustedBy, "key");
});

test("a recompile keeps signature.json: unchanged source still verifies, an edited one is named", async () => {
  const home = freshHome();
  trustKey(home, generateKey(home, "alice"));
  setRequireSigned(home, true);
  const app = writeAppDir(APP);
  const out = await compileInto(app, join(work, "recompiled-out"));
  signCompileOutput(await readCompileOutput(out), readSigningKey(home));
  await compileInto(app, out);
  assert.equal((await admit(out, home)).signature?.payload.signer.name, "alice", "the same bytes again: still admitted");
  writeFileSync(join(app, "helper.py"), "GREETING = 'howdy'\n");
  await compileInto(app, out);
  const err = await thrown(() => admit(out, home));
  assert.equal(err.code, "ADMIT_TAMPERED", err.message);
  assert.match(err.message, /launch\.json changed/);
  assert.match(err.message, /source\/helper\.py changed/);
  assert.doesNotMatch(err.message, /workload\.json changed/, "the IR did not change");
});

test("without a policy: unsigned is fine, a valid signature is recorded, a stale one is a warning and recorded as unsigned", async () => {
  const home = freshHome();
  const dir = await compiled(APP);
  assert.deepEqual(await admit(dir, home), { signature: null, warnings: [] });
  generateKey(home, "bob");
  signCompileOutput(await readCompileOutput(dir), readSigningKey(home));
  assert.equal((await admit(dir, home)).signature?.payload.signer.name, "bob");
  flipByte(join(dir, "source/helper.py"));
  const stale = await admit(dir, home);
  assert.equal(stale.signature, null);
  assert.equal(stale.warnings.length, 1);
  assert.match(stale.warnings[0] as string, /signature\.json was not used, the image is recorded as unsigned: error\[ADMIT_TAMPERED\]/);
});

test("a policy that does not require signatures admits unsigned artifacts", async () => {
  const home = freshHome();
  trustKey(home, generateKey(home, "alice"));
  const dir = await compiled(APP);
  assert.deepEqual(await admit(dir, home), { signature: null, warnings: [] });
});

test("sign refuses a compile output whose artifacts disagree (nothing is signed)", async () => {
  const home = freshHome();
  generateKey(home, "alice");
  const dir = await compiled(APP);
  writeFileSync(join(dir, "source/extra.py"), "x = 1\n");
  const err = await thrown(async () => signCompileOutput(await readCompileOutput(dir), readSigningKey(home)));
  assert.equal(err.code, "BUILD_TREE_HASH_MISMATCH");
  assert.throws(() => readFileSync(join(dir, SIGNATURE_FILE)), /ENOENT/);
});
