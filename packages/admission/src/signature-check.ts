/**
 * The three questions asked of a signature, in order: is it authentic (the Ed25519 signature holds over its
 * payload, by the key it names), does it cover these artifacts (every digest equal; otherwise which file
 * changed, and how), and is its key one we trust. Each "no" is its own code.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MvmError, parseWith } from "@mvm/ir";
import type { ArtifactDigests, ArtifactFiles } from "./compile-output.ts";
import { isValidSignature, keyIdOf, publicKeyFromRaw } from "./ed25519.ts";
import { SIGNATURE_FILE, SignatureDocument, signedMessage, type ArtifactSignature } from "./signature-format.ts";
import { artifactChanges, DIGEST_NAMES } from "./tamper-report.ts";

const SIGN_AGAIN = (dir: string) => `if the change is intended, review it and sign again: mvmctl review ${dir}, then mvmctl sign ${dir}; otherwise restore the artifacts that were signed`;

/** DIR/signature.json, schema-checked; undefined when there is none. */
export function readSignatureFile(dir: string): SignatureDocument | undefined {
  const path = join(dir, SIGNATURE_FILE);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new MvmError("ADMIT_SIGNATURE_INVALID", `${path} is not JSON: ${(err as Error).message}`, `sign the artifacts again: mvmctl sign ${dir}`, { cause: err });
  }
  try {
    return parseWith(SignatureDocument, json, path);
  } catch (err) {
    throw new MvmError("ADMIT_SIGNATURE_INVALID", (err as Error).message, `sign the artifacts again: mvmctl sign ${dir}`, { cause: err });
  }
}

/** Who signed, for messages: `alice (key 3fa4c2d1e5f60718, 2026-08-01T10:00:00.000Z)`. */
export function signedBy(sig: ArtifactSignature): string {
  return `${sig.payload.signer.name} (key ${sig.payload.signer.key_id}, ${sig.payload.signed_at})`;
}

/** The signature holds over its payload, by the key whose id the payload names. `where` names the file or manifest. */
export function checkAuthentic(sig: ArtifactSignature, where: string): void {
  const keyId = keyIdOf(sig.public_key);
  if (keyId !== sig.payload.signer.key_id) {
    throw new MvmError("ADMIT_SIGNATURE_INVALID", `${where} names signer key ${sig.payload.signer.key_id} but carries the public key of ${keyId}`,
      "the signature was edited; sign the artifacts again");
  }
  if (!isValidSignature(signedMessage(sig.payload), sig.signature, publicKeyFromRaw(sig.public_key, `${where}: public_key`))) {
    throw new MvmError("ADMIT_SIGNATURE_INVALID", `${where}: the Ed25519 signature by ${signedBy(sig)} does not hold over what it says was signed (the signature or its payload was edited)`,
      "sign the artifacts again; a signature's payload cannot be edited");
  }
}

/** Every digest the signature covers equals the artifact's; otherwise ADMIT_TAMPERED or ADMIT_OTHER_ARTIFACT naming what differs. */
export function checkDigests(doc: SignatureDocument, files: ArtifactFiles): void {
  const { changed, lines } = artifactChanges(doc.payload.digests, files.digests, doc.source_files, files.tree.entries);
  if (changed.length === 0) return;
  const where = join(files.dir, SIGNATURE_FILE);
  if (changed.length === Object.keys(files.digests).length) {
    const id = currentWorkloadId(files);
    const whose = id !== undefined && id !== doc.payload.workload_id ? `app "${doc.payload.workload_id}", not "${id}"` : `other artifacts of "${doc.payload.workload_id}" (or these were recompiled since)`;
    throw new MvmError("ADMIT_OTHER_ARTIFACT",
      `${where} was made by ${signedBy(doc)} for ${whose}: none of workload.json, launch.json, source/ is what it signed:\n  ${lines.join("\n  ")}`,
      `review these artifacts and sign them: mvmctl review ${files.dir}, then mvmctl sign ${files.dir}`);
  }
  throw new MvmError("ADMIT_TAMPERED", `${files.dir} is not what ${signedBy(doc)} signed in ${where}:\n  ${lines.join("\n  ")}`, SIGN_AGAIN(files.dir));
}

/** The same check for an image: the digests its manifest recorded at build against those its signature covers. */
export function checkRecordedDigests(sig: ArtifactSignature, recorded: ArtifactDigests, where: string): void {
  const lines = DIGEST_NAMES.filter((name) => sig.payload.digests[name] !== recorded[name])
    .map((name) => `${name}: the image was built from ${recorded[name]}, the signature covers ${sig.payload.digests[name]}`);
  if (lines.length === 0) return;
  throw new MvmError("ADMIT_IMAGE_MISMATCH",
    `${where} records a signature by ${signedBy(sig)} that does not cover the input its image was built from:\n  ${lines.join("\n  ")}`,
    "rebuild the image from the signed artifacts under the policy: mvmctl build DIR");
}

/** launch.json's workload_id if it reads as one; only to say whose signature this is. */
function currentWorkloadId(files: ArtifactFiles): string | undefined {
  try {
    const id = (JSON.parse(files.launchBytes.toString("utf8")) as { workload_id?: unknown }).workload_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
