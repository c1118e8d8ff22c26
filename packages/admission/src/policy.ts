/**
 * The admission policy, `MVM_HOME/policy.json`: whether `build` and `up` require a signed artifact, and the
 * keys whose signatures admit one. No file means no policy: nothing is required (the seed's flow). A file
 * that does not match its schema is an error, never a silent "no policy". Written by rename.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MvmError, parseWith } from "@mvm/ir";
import * as z from "zod";
import { KEY_ID, keyIdOf, RAW_PUBLIC_KEY } from "./ed25519.ts";
import { KEY_NAME_PATTERN, type PublicKeyInfo } from "./key-store.ts";

export const POLICY_FILE = "policy.json";
export const POLICY_VERSION = 1;

export const TrustedKey = z.strictObject({
  /** The operator's name for the key (by default the signer's key name). */
  name: z.string().regex(KEY_NAME_PATTERN),
  key_id: z.string().regex(KEY_ID),
  /** Raw Ed25519 public key, unpadded base64url. */
  public_key: z.string().regex(RAW_PUBLIC_KEY),
  added_at: z.iso.datetime(),
});
export type TrustedKey = z.infer<typeof TrustedKey>;

export const Policy = z.strictObject({
  policy_version: z.literal(POLICY_VERSION),
  /** true: `build` refuses an artifact not signed by a trusted key, `up` an image not built from one. */
  require_signed: z.boolean(),
  trusted_keys: z.array(TrustedKey),
});
export type Policy = z.infer<typeof Policy>;

/** `MVM_HOME/policy.json`. */
export function policyPath(home: string): string {
  return join(home, POLICY_FILE);
}

const FIX = (path: string) => `fix or remove ${path} (mvmctl policy show prints what a valid one holds; mvmctl policy trust / untrust / require-signed edit it)`;

/** The policy, or undefined when MVM_HOME has none; ADMIT_POLICY_INVALID when the file is not a valid one. */
export function readPolicy(home: string): Policy | undefined {
  const path = policyPath(home);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new MvmError("ADMIT_POLICY_INVALID", `${path} is not JSON: ${(err as Error).message}`, FIX(path), { cause: err });
  }
  let policy: Policy;
  try {
    policy = parseWith(Policy, json, path);
  } catch (err) {
    throw new MvmError("ADMIT_POLICY_INVALID", (err as Error).message, FIX(path), { cause: err });
  }
  const problems: string[] = [];
  policy.trusted_keys.forEach((k, i) => {
    if (keyIdOf(k.public_key) !== k.key_id) problems.push(`trusted_keys[${i}] ("${k.name}"): key_id ${k.key_id} is not the id of its public_key (${keyIdOf(k.public_key)})`);
  });
  for (const field of ["key_id", "name"] as const) {
    const seen = new Set<string>();
    for (const k of policy.trusted_keys) {
      if (seen.has(k[field])) problems.push(`two trusted keys have the ${field} ${JSON.stringify(k[field])}`);
      seen.add(k[field]);
    }
  }
  if (problems.length) throw new MvmError("ADMIT_POLICY_INVALID", `${path} is not a valid policy:\n  ${problems.join("\n  ")}`, FIX(path));
  return policy;
}

function writePolicy(home: string, policy: Policy): Policy {
  const path = policyPath(home);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(parseWith(Policy, policy, "the policy"), null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return policy;
}

const current = (home: string): Policy => readPolicy(home) ?? { policy_version: POLICY_VERSION, require_signed: false, trusted_keys: [] };

/** Trusts `key` (under `name`, by default its own); trusting a key already trusted renames it. */
export function trustKey(home: string, key: PublicKeyInfo, name = key.name, now = new Date()): Policy {
  const policy = current(home);
  const clash = policy.trusted_keys.find((k) => k.name === name && k.key_id !== key.keyId);
  if (clash) {
    throw new MvmError("ADMIT_POLICY_INVALID", `the policy already trusts another key named "${name}" (key ${clash.key_id})`,
      `pick another name with --name, or untrust that one first: mvmctl policy untrust ${clash.key_id}`);
  }
  const entry: TrustedKey = { name, key_id: key.keyId, public_key: key.publicKey, added_at: now.toISOString() };
  const others = policy.trusted_keys.filter((k) => k.key_id !== key.keyId);
  return writePolicy(home, { ...policy, trusted_keys: [...others, entry].sort((a, b) => a.name.localeCompare(b.name)) });
}

/** Stops trusting the key with this id or name; ADMIT_KEY_NOT_FOUND when the policy trusts no such key. */
export function untrustKey(home: string, keyIdOrName: string): Policy {
  const policy = current(home);
  const kept = policy.trusted_keys.filter((k) => k.key_id !== keyIdOrName && k.name !== keyIdOrName);
  if (kept.length === policy.trusted_keys.length) {
    throw new MvmError("ADMIT_KEY_NOT_FOUND", `${policyPath(home)} trusts no key with the id or name "${keyIdOrName}"`, "mvmctl policy show lists the trusted keys");
  }
  return writePolicy(home, { ...policy, trusted_keys: kept });
}

/** Turns the requirement on or off, creating the policy if there is none. */
export function setRequireSigned(home: string, required: boolean): Policy {
  return writePolicy(home, { ...current(home), require_signed: required });
}
