// Keys as files: modes, ids derived from the public key, refusal to overwrite or to use a key others can
// read, and the choice of signing key when none is named.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKey, keyIdOf, keysDir, listKeys, readPublicKey, readSigningKey } from "./index.ts";
import { freshHome, thrown, work } from "./admission.test-helpers.ts";

after(() => rmSync(work, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

test("keygen writes a 0600 PKCS#8 private key and a 0644 SPKI public key in a 0700 keys/ directory", () => {
  const home = freshHome();
  const key = generateKey(home, "alice");
  assert.equal(mode(keysDir(home)), 0o700);
  assert.equal(mode(key.privatePath), 0o600);
  assert.equal(mode(key.publicPath), 0o644);
  assert.match(readFileSync(key.privatePath, "utf8"), /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(readFileSync(key.publicPath, "utf8"), key.pem);
  assert.match(key.pem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.equal(key.keyId, keyIdOf(key.publicKey));
  assert.match(key.keyId, /^[0-9a-f]{16}$/);
});

test("the key id comes from the public key alone: the .pub, the private key and a copied .pub agree", () => {
  const home = freshHome();
  const key = generateKey(home, "alice");
  const copy = join(freshHome(), "alice-copy.pub");
  writeFileSync(copy, key.pem);
  assert.equal(readPublicKey(home, "alice").keyId, key.keyId);
  assert.equal(readPublicKey(home, copy).keyId, key.keyId);
  assert.equal(readPublicKey(home, key.privatePath).keyId, key.keyId);
  assert.equal(readSigningKey(home, "alice").keyId, key.keyId);
  assert.notEqual(generateKey(home, "bob").keyId, key.keyId);
});

test("keygen refuses to replace a key unless forced", async () => {
  const home = freshHome();
  const first = generateKey(home, "alice");
  assert.equal((await thrown(() => generateKey(home, "alice"))).code, "ADMIT_KEY_EXISTS");
  assert.equal(readPublicKey(home, "alice").keyId, first.keyId, "the old key is untouched");
  const second = generateKey(home, "alice", { force: true });
  assert.notEqual(second.keyId, first.keyId);
  assert.equal(readSigningKey(home, "alice").keyId, second.keyId);
});

test("a private key readable by others is refused, naming the file and the fix", async () => {
  const home = freshHome();
  const key = generateKey(home, "alice");
  chmodSync(key.privatePath, 0o644);
  const err = await thrown(() => readSigningKey(home, "alice"));
  assert.equal(err.code, "ADMIT_KEY_INVALID");
  assert.ok(err.message.includes(key.privatePath) && err.message.includes("0644"), err.message);
  assert.equal(err.hint, `chmod 600 ${key.privatePath}`);
});

test("non-Ed25519 keys, non-keys, bad names and missing keys are refused with their codes", async () => {
  const home = freshHome();
  const rsa = join(home, "rsa.pub");
  writeFileSync(rsa, generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }));
  assert.equal((await thrown(() => readPublicKey(home, rsa))).code, "ADMIT_KEY_INVALID");
  const junk = join(home, "junk.pub");
  writeFileSync(junk, "not a key\n");
  assert.equal((await thrown(() => readPublicKey(home, junk))).code, "ADMIT_KEY_INVALID");
  assert.equal((await thrown(() => generateKey(home, "../escape"))).code, "ADMIT_KEY_INVALID");
  assert.equal((await thrown(() => readPublicKey(home, "nobody"))).code, "ADMIT_KEY_NOT_FOUND");
});

test("sign's default key is the only one; none or several is ADMIT_KEY_NOT_FOUND naming them", async () => {
  const home = freshHome();
  const none = await thrown(() => readSigningKey(home));
  assert.equal(none.code, "ADMIT_KEY_NOT_FOUND");
  assert.match(none.hint ?? "", /mvmctl keygen/);
  generateKey(home, "alice");
  assert.equal(readSigningKey(home).name, "alice");
  generateKey(home, "bob");
  const several = await thrown(() => readSigningKey(home));
  assert.equal(several.code, "ADMIT_KEY_NOT_FOUND");
  assert.match(several.message, /\(alice, bob\)/);
  assert.deepEqual(listKeys(home).map((k) => [k.name, k.hasPrivate]), [["alice", true], ["bob", true]]);
});
