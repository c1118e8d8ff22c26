/**
 * `DIR/signature.json`, the detached signature `mvmctl sign DIR` writes beside a compile output (compile
 * --out replaces only its three artifacts, so it survives a recompile and is then found stale). Canonical
 * JSON. The Ed25519 signature covers `SIGNED_PREFIX` followed by the canonical bytes of `payload`: the
 * digests of workload.json, launch.json and source/, the signer and the time. The prefix is the format's
 * version and keeps a signature made for anything else from passing as one of these. The manifest of an
 * image built from a signed artifact records the same document without `source_files`.
 */
import { canonicalBytes } from "@mvm/ir";
import * as z from "zod";
import { KEY_ID, RAW_PUBLIC_KEY } from "./ed25519.ts";
import { KEY_NAME_PATTERN } from "./key-store.ts";

export const SIGNATURE_FILE = "signature.json";
export const SIGNATURE_FORMAT = "mvm-artifact-signature/1";
const SIGNED_PREFIX = `${SIGNATURE_FORMAT}\n`;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const SignedPayload = z.strictObject({
  /** The app the artifact declares (launch.json's workload_id), for people; the digests are what bind. */
  workload_id: z.string().min(1),
  digests: z.strictObject({ "workload.json": sha256, "launch.json": sha256, "source/": sha256 }),
  /** Entries in source/ when signed. */
  file_count: z.number().int().min(0),
  signer: z.strictObject({ name: z.string().regex(KEY_NAME_PATTERN), key_id: z.string().regex(KEY_ID) }),
  /** ISO 8601, UTC. */
  signed_at: z.iso.datetime(),
});
export type SignedPayload = z.infer<typeof SignedPayload>;

/** What a manifest records: the signature and everything needed to check it again, without the listing. */
export const ArtifactSignature = z.strictObject({
  format: z.literal(SIGNATURE_FORMAT),
  payload: SignedPayload,
  /** The signer's raw Ed25519 public key (unpadded base64url); its key id must be payload.signer.key_id. */
  public_key: z.string().regex(RAW_PUBLIC_KEY),
  /** 64 bytes, unpadded base64url. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type ArtifactSignature = z.infer<typeof ArtifactSignature>;

/**
 * source/'s entries when signed, so a refusal can name the file that changed. Not signed itself: it counts
 * only when it hashes to the signed `source/` digest (LaunchSource's recipe).
 */
export const SignedSourceEntry = z.strictObject({ kind: z.enum(["f", "x", "l"]), path: z.string().min(1), sha256 });
export type SignedSourceEntry = z.infer<typeof SignedSourceEntry>;

export const SignatureDocument = ArtifactSignature.extend({ source_files: z.array(SignedSourceEntry) });
export type SignatureDocument = z.infer<typeof SignatureDocument>;

/** The bytes the Ed25519 signature is over. */
export function signedMessage(payload: SignedPayload): Buffer {
  return Buffer.concat([Buffer.from(SIGNED_PREFIX, "utf8"), canonicalBytes(payload)]);
}

/** The record a manifest keeps: the document without its listing. */
export function signatureRecord(doc: SignatureDocument | ArtifactSignature): ArtifactSignature {
  return { format: doc.format, payload: doc.payload, public_key: doc.public_key, signature: doc.signature };
}
