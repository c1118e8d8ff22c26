// policy.json is untrusted input: schema-checked, its key ids checked against its keys, never read as
// "no policy" when broken. The edits keep it valid.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { generateKey, policyPath, readPolicy, setRequireSigned, trustKey, untrustKey } from "./index.ts";
import { freshHome, thrown, work } from "./admission.test-helpers.ts";

after(() => rmSync(work, { recursive: true, force: true }));

test("no file is no policy; the edits create one and keep it valid", () => {
  const home = freshHome();
  assert.equal(readPolicy(home), undefined);
  const alice = generateKey(home, "alice");
  trustKey(home, alice);
  assert.deepEqual(readPolicy(home)?.trusted_keys.map((k) => [k.name, k.key_id, k.public_key]), [["alice", alice.keyId, alice.publicKey]]);
  assert.equal(readPolicy(home)?.require_signed, false);
  setRequireSigned(home, true);
  assert.equal(readPolicy(home)?.require_signed, true);
  trustKey(home, alice, "alice-laptop");
  assert.deepEqual(readPolicy(home)?.trusted_keys.map((k) => k.name), ["alice-laptop"], "trusting a key again renames it");
  untrustKey(home, alice.keyId);
  assert.deepEqual(readPolicy(home)?.trusted_keys, []);
});

const broken: { name: string; text: (good: string) => string; mentions: RegExp }[] = [
  { name: "not JSON", text: () => "{", mentions: /is not JSON/ },
  { name: "an unknown field", text: (g) => g.replace('"require_signed"', '"requireSigned": true, "require_signed"'), mentions: /requireSigned/ },
  { name: "require_signed as a string", text: (g) => g.replace(/"require_signed": (true|false)/, '"require_signed": "yes"'), mentions: /require_signed/ },
  { name: "a key id that is not its key's", text: (g) => g.replace(/"key_id": "[0-9a-f]{16}"/, '"key_id": "0000000000000000"'), mentions: /key_id 0000000000000000 is not the id of its public_key/ },
  { name: "a future version", text: (g) => g.replace('"policy_version": 1', '"policy_version": 2'), mentions: /policy_version/ },
];

for (const c of broken) {
  test(`a policy.json with ${c.name} is ADMIT_POLICY_INVALID naming the file, never "no policy"`, async () => {
    const home = freshHome();
    trustKey(home, generateKey(home, "alice"));
    setRequireSigned(home, true);
    writeFileSync(policyPath(home), c.text(readFileSync(policyPath(home), "utf8")));
    const err = await thrown(() => readPolicy(home));
    assert.equal(err.code, "ADMIT_POLICY_INVALID");
    assert.ok(err.message.includes(policyPath(home)), err.message);
    assert.match(err.message, c.mentions);
  });
}

test("two keys under one name are refused; untrusting an unknown key says so", async () => {
  const home = freshHome();
  trustKey(home, generateKey(home, "alice"));
  assert.equal((await thrown(() => trustKey(home, generateKey(home, "bob"), "alice"))).code, "ADMIT_POLICY_INVALID");
  assert.equal((await thrown(() => untrustKey(home, "carol"))).code, "ADMIT_KEY_NOT_FOUND");
});
