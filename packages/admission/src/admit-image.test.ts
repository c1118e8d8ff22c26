// What `up` asks of a registered image, from its manifest alone: under require_signed, a signature that is
// authentic, by a key trusted now, over exactly the digests the build recorded. The facts here are what a
// real build of a real compile output records.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  admitForBuild, admitImage, generateKey, readArtifact, readCompileOutput, readSigningKey, setRequireSigned, signCompileOutput,
  signerOf, trustKey, untrustKey, readPolicy, type ImageAdmissionFacts,
} from "./index.ts";
import { compiled, freshHome, pyApp, thrown, work } from "./admission.test-helpers.ts";

after(() => rmSync(work, { recursive: true, force: true }));

/** A home trusting alice, and the facts a build of a signed `name` records. */
async function builtFacts(home: string, name: string): Promise<ImageAdmissionFacts> {
  const dir = await compiled({ "app.py": pyApp(name) });
  signCompileOutput(await readCompileOutput(dir), readSigningKey(home, "alice"));
  const files = await readArtifact(dir);
  return { app: name, manifestPath: join(home, "apps", name, "manifest.json"), signature: admitForBuild(files, home).signature, digests: files.digests };
}

async function setup() {
  const home = freshHome();
  const alice = generateKey(home, "alice");
  trustKey(home, alice);
  return { home, alice, facts: await builtFacts(home, "image-app") };
}

test("without require_signed every image is admitted, signed or not", async () => {
  const { home, facts } = await setup();
  admitImage(facts, home);
  admitImage({ ...facts, signature: null }, home);
});

test("under require_signed an image built from the signed artifacts is admitted, and its signer is shown as trusted", async () => {
  const { home, facts } = await setup();
  setRequireSigned(home, true);
  admitImage(facts, home);
  assert.deepEqual(signerOf(facts.signature, readPolicy(home)), { name: "alice", key_id: facts.signature?.payload.signer.key_id, signed_at: facts.signature?.payload.signed_at, trusted: true });
});

test("an image built from unsigned input is ADMIT_UNSIGNED, naming the app and its manifest", async () => {
  const { home, facts } = await setup();
  setRequireSigned(home, true);
  const err = await thrown(() => admitImage({ ...facts, signature: null }, home));
  assert.equal(err.code, "ADMIT_UNSIGNED");
  assert.ok(err.message.includes(`"image-app" was built from unsigned artifacts (${facts.manifestPath}`), err.message);
});

test("a signature pasted into the manifest of an image built from other input is ADMIT_IMAGE_MISMATCH, naming each digest", async () => {
  const { home, facts } = await setup();
  const other = await builtFacts(home, "image-app-other");
  setRequireSigned(home, true);
  const err = await thrown(() => admitImage({ ...other, signature: facts.signature }, home));
  assert.equal(err.code, "ADMIT_IMAGE_MISMATCH");
  for (const name of ["workload.json", "launch.json", "source/"] as const) {
    assert.ok(err.message.includes(`${name}: the image was built from ${other.digests[name]}, the signature covers ${facts.digests[name]}`), err.message);
  }
});

test("a key untrusted after the build stops its images at up", async () => {
  const { home, alice, facts } = await setup();
  setRequireSigned(home, true);
  untrustKey(home, alice.keyId);
  const err = await thrown(() => admitImage(facts, home));
  assert.equal(err.code, "ADMIT_UNTRUSTED_KEY");
  assert.match(err.message, /it trusts no key yet/);
  assert.equal(signerOf(facts.signature, readPolicy(home))?.trusted, false);
});

test("an edited signature in the manifest is ADMIT_SIGNATURE_INVALID, and not shown as trusted", async () => {
  const { home, facts } = await setup();
  setRequireSigned(home, true);
  const sig = facts.signature;
  assert.ok(sig);
  const edited = { ...sig, payload: { ...sig.payload, signed_at: "2020-01-01T00:00:00.000Z" } };
  const err = await thrown(() => admitImage({ ...facts, signature: edited }, home));
  assert.equal(err.code, "ADMIT_SIGNATURE_INVALID");
  assert.ok(err.message.includes(facts.manifestPath), err.message);
  assert.equal(signerOf(edited, readPolicy(home))?.trusted, false);
});
