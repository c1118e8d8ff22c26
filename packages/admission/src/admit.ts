/**
 * Admission: what `build` and `up` ask before they act, and what `verify` answers. Under a policy with
 * `require_signed`, `build` admits only a compile output whose signature is authentic, covers exactly these
 * bytes and is by a trusted key, and `up` only an image whose manifest carries such a signature over the
 * digests the build recorded (so `up` never re-hashes the image). Without one, nothing is required: a
 * signature that holds is recorded, one that does not is a loud warning.
 */
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { checkCompileOutput, readArtifact, type ArtifactDigests, type ArtifactFiles, type CompileOutput } from "./compile-output.ts";
import type { PublicKeyInfo } from "./key-store.ts";
import { policyPath, readPolicy, type Policy, type TrustedKey } from "./policy.ts";
import { checkAuthentic, checkDigests, checkRecordedDigests, readSignatureFile, signedBy } from "./signature-check.ts";
import { SIGNATURE_FILE, signatureRecord, type ArtifactSignature, type SignatureDocument } from "./signature-format.ts";

export interface BuildAdmission {
  /** The signature to record in the image manifest: null when the artifacts are unsigned (or, without a policy, the signature did not hold). */
  signature: ArtifactSignature | null;
  /** Why a signature present was not used (only without require_signed; with it, that is an error). */
  warnings: string[];
}

const TRUST_HINT = "if you trust that signer, trust the public key they gave you: mvmctl policy trust FILE.pub (they print it with mvmctl key export NAME)";

function trustedKeyFor(sig: ArtifactSignature, keys: readonly TrustedKey[]): TrustedKey | undefined {
  return keys.find((k) => k.key_id === sig.payload.signer.key_id && k.public_key === sig.public_key);
}

function requireTrusted(sig: ArtifactSignature, policy: Policy, home: string, where: string): TrustedKey {
  const key = trustedKeyFor(sig, policy.trusted_keys);
  if (key) return key;
  const trusted = policy.trusted_keys.map((k) => `${k.name} (${k.key_id})`).join(", ") || "no key yet";
  throw new MvmError("ADMIT_UNTRUSTED_KEY", `${where} is signed by ${signedBy(sig)}, a key ${policyPath(home)} does not trust (it trusts ${trusted})`, TRUST_HINT);
}

function unsigned(what: string, home: string, dir: string): MvmError {
  return new MvmError("ADMIT_UNSIGNED", `${what}, and ${policyPath(home)} requires artifacts signed by a trusted key`,
    `review and sign the compile output, then build it: mvmctl review ${dir}, mvmctl sign ${dir}, mvmctl build ${dir}`);
}

/** Admits (or refuses) a compile output for `build`, judging its raw bytes before anything in them is parsed. */
export function admitForBuild(files: ArtifactFiles, home: string): BuildAdmission {
  const policy = readPolicy(home);
  const where = join(files.dir, SIGNATURE_FILE);
  if (policy?.require_signed) {
    const doc = readSignatureFile(files.dir);
    if (!doc) throw unsigned(`${files.dir} has no ${SIGNATURE_FILE}`, home, files.dir);
    checkAuthentic(doc, where);
    checkDigests(doc, files);
    requireTrusted(doc, policy, home, where);
    return { signature: signatureRecord(doc), warnings: [] };
  }
  try {
    const doc = readSignatureFile(files.dir);
    if (!doc) return { signature: null, warnings: [] };
    checkAuthentic(doc, where);
    checkDigests(doc, files);
    return { signature: signatureRecord(doc), warnings: [] };
  } catch (err) {
    if (!(err instanceof MvmError)) throw err;
    return { signature: null, warnings: [`${where} was not used, the image is recorded as unsigned: error[${err.code}] ${err.message.split("\n")[0]} (mvmctl verify ${files.dir} says more)`] };
  }
}

/** What `up` knows about a registered image, from its manifest. */
export interface ImageAdmissionFacts {
  app: string;
  /** The manifest's path, for messages. */
  manifestPath: string;
  signature: ArtifactSignature | null;
  /** The digests of the compile output the image was built from, as the build recorded them. */
  digests: ArtifactDigests;
}

/** Admits (or refuses) a registered image for `up`; a no-op unless the policy requires signatures. */
export function admitImage(image: ImageAdmissionFacts, home: string): void {
  const policy = readPolicy(home);
  if (!policy?.require_signed) return;
  const sig = image.signature;
  if (!sig) throw unsigned(`the image of "${image.app}" was built from unsigned artifacts (${image.manifestPath} records no signature)`, home, "DIR");
  checkAuthentic(sig, image.manifestPath);
  checkRecordedDigests(sig, image.digests, image.manifestPath);
  requireTrusted(sig, policy, home, `the image of "${image.app}" (${image.manifestPath})`);
}

export interface VerifiedArtifact {
  output: CompileOutput;
  signature: SignatureDocument;
  /** The name the trusting side knows the key by: the policy's, or the --key file's. */
  trustedAs: string;
  trustedBy: "policy" | "key";
}

/**
 * `mvmctl verify DIR [--key PUB]`: the signature is authentic, covers exactly these artifacts, which agree
 * with one another, and is by `key` when given, else by a key the policy trusts.
 */
export async function verifyArtifact(dir: string, home: string, opts: { key?: PublicKeyInfo } = {}): Promise<VerifiedArtifact> {
  const files = await readArtifact(dir);
  const doc = readSignatureFile(files.dir);
  if (!doc) throw new MvmError("ADMIT_UNSIGNED", `${files.dir} has no ${SIGNATURE_FILE}`, `review the artifacts, then sign them: mvmctl review ${files.dir}, mvmctl sign ${files.dir}`);
  const where = join(files.dir, SIGNATURE_FILE);
  checkAuthentic(doc, where);
  checkDigests(doc, files);
  const output = checkCompileOutput(files);
  if (opts.key) {
    if (opts.key.publicKey !== doc.public_key) {
      throw new MvmError("ADMIT_UNTRUSTED_KEY", `${where} is signed by ${signedBy(doc)}, not by the key given (${opts.key.name}, key ${opts.key.keyId})`, TRUST_HINT);
    }
    return { output, signature: doc, trustedAs: opts.key.name, trustedBy: "key" };
  }
  const policy = readPolicy(home);
  if (!policy) {
    throw new MvmError("ADMIT_UNTRUSTED_KEY", `${where} is signed by ${signedBy(doc)}, and there is no ${policyPath(home)} to say whether that key is trusted`,
      `pass the signer's public key: mvmctl verify ${files.dir} --key FILE.pub, or trust it: mvmctl policy trust FILE.pub`);
  }
  return { output, signature: doc, trustedAs: requireTrusted(doc, policy, home, where).name, trustedBy: "policy" };
}

/** What a review says about DIR/signature.json. */
export type SignatureStatus =
  /** No signature.json. */
  | { status: "unsigned" }
  /** Authentic and over exactly these artifacts; `trusted_as` is the policy's name for the key, null when it does not trust it. */
  | { status: "valid"; signer: { name: string; key_id: string }; signed_at: string; trusted_as: string | null }
  /** Present but refused, with the code and message build would refuse it with. */
  | { status: "invalid"; code: string; problem: string };

export function inspectSignature(files: ArtifactFiles, home: string): SignatureStatus {
  const policy = readPolicy(home);
  let doc: SignatureDocument | undefined;
  try {
    doc = readSignatureFile(files.dir);
    if (!doc) return { status: "unsigned" };
    checkAuthentic(doc, join(files.dir, SIGNATURE_FILE));
    checkDigests(doc, files);
  } catch (err) {
    if (!(err instanceof MvmError)) throw err;
    return { status: "invalid", code: err.code, problem: err.message };
  }
  const key = policy ? trustedKeyFor(doc, policy.trusted_keys) : undefined;
  return { status: "valid", signer: doc.payload.signer, signed_at: doc.payload.signed_at, trusted_as: key?.name ?? null };
}

/** The signer of a recorded signature and whether the policy (as it is now) trusts its key; null when unsigned. */
export function signerOf(sig: ArtifactSignature | null, policy: Policy | undefined): { name: string; key_id: string; signed_at: string; trusted: boolean } | null {
  if (!sig) return null;
  const { name, key_id } = sig.payload.signer;
  const authentic = (() => { try { checkAuthentic(sig, "the manifest"); return true; } catch { return false; } })();
  return { name, key_id, signed_at: sig.payload.signed_at, trusted: authentic && Boolean(policy && trustedKeyFor(sig, policy.trusted_keys)) };
}
