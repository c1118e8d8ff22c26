/**
 * Ed25519 through node:crypto, and the one textual form of a public key mvm stores (in signatures, in the
 * policy, in manifests): the 32 raw key bytes in unpadded base64url (JWK's `x`). A key id is derived from
 * those bytes, so it names a key without trusting whoever wrote it down.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { MvmError } from "@mvm/ir";

export const RAW_PUBLIC_KEY = /^[A-Za-z0-9_-]{43}$/;
export const KEY_ID = /^[0-9a-f]{16}$/;

/** The raw public key of an Ed25519 key (public or private), as unpadded base64url. */
export function rawPublicKey(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== "ed25519") {
    throw new MvmError("ADMIT_KEY_INVALID", `a ${pub.asymmetricKeyType ?? "symmetric"} key where an Ed25519 key is needed`, "make one with mvmctl keygen");
  }
  const x = pub.export({ format: "jwk" }).x;
  if (typeof x !== "string" || !RAW_PUBLIC_KEY.test(x)) throw new MvmError("ADMIT_KEY_INVALID", "the Ed25519 key has no 32-byte public part");
  return x;
}

/** The key object of a raw public key; ADMIT_KEY_INVALID when it is not one. */
export function publicKeyFromRaw(raw: string, what: string): KeyObject {
  if (!RAW_PUBLIC_KEY.test(raw)) throw new MvmError("ADMIT_KEY_INVALID", `${what} is not an Ed25519 public key (43 base64url characters)`);
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw }, format: "jwk" });
  } catch (err) {
    throw new MvmError("ADMIT_KEY_INVALID", `${what} is not an Ed25519 public key: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** The first 16 hex digits of sha256 over the 32 raw key bytes. */
export function keyIdOf(raw: string): string {
  return createHash("sha256").update(Buffer.from(raw, "base64url")).digest("hex").slice(0, 16);
}

export function signMessage(message: Buffer, privateKey: KeyObject): string {
  return sign(null, message, privateKey).toString("base64url");
}

export function isValidSignature(message: Buffer, signature: string, publicKey: KeyObject): boolean {
  const bytes = Buffer.from(signature, "base64url");
  return bytes.length === 64 && verify(null, message, publicKey, bytes);
}
