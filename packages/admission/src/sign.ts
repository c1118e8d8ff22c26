/** `mvmctl sign DIR`: one detached signature over a compile output whose artifacts agree, written beside them. */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalDocument } from "@mvm/ir";
import type { CompileOutput } from "./compile-output.ts";
import { signMessage } from "./ed25519.ts";
import type { SigningKey } from "./key-store.ts";
import { SIGNATURE_FILE, SIGNATURE_FORMAT, signedMessage, type SignatureDocument, type SignedPayload } from "./signature-format.ts";

/** The signature document for `output` by `key`, not yet written. */
export function signatureFor(output: CompileOutput, key: SigningKey, now = new Date()): SignatureDocument {
  const payload: SignedPayload = {
    workload_id: output.launch.workload_id,
    digests: output.digests,
    file_count: output.tree.fileCount,
    signer: { name: key.name, key_id: key.keyId },
    signed_at: now.toISOString(),
  };
  return {
    format: SIGNATURE_FORMAT,
    payload,
    public_key: key.publicKey,
    signature: signMessage(signedMessage(payload), key.privateKey),
    // A fifo or device in source/ ("?") was refused by the tree hash check before we got here.
    source_files: output.tree.entries.map((e) => ({ kind: e.kind as "f" | "x" | "l", path: e.path, sha256: e.sha256 })),
  };
}

/** Signs `output` and writes DIR/signature.json (replacing an older one in one rename); returns what it wrote. */
export function signCompileOutput(output: CompileOutput, key: SigningKey, now = new Date()): SignatureDocument {
  const doc = signatureFor(output, key, now);
  const path = join(output.dir, SIGNATURE_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, canonicalDocument(doc));
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return doc;
}
