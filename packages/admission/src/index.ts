/**
 * @module @mvm/admission — the compile artifact between compile and build: reading a compile output and
 * proving its artifacts agree, Ed25519 signing keys, detached signatures (`signature.json`), the admission
 * policy (`MVM_HOME/policy.json`) that `build` and `up` obey, and the description `mvmctl review` prints.
 * Every function that touches MVM_HOME takes it as `home`: resolving and creating it is the caller's job.
 */
export { checkCompileOutput, readArtifact, readCompileOutput, LAUNCH_FILE, SOURCE_DIR, WORKLOAD_FILE,
  type ArtifactDigests, type ArtifactFiles, type CompileOutput } from "./compile-output.ts";
export { hashSourceTree, type HashedTree, type SourceEntry } from "./source-tree.ts";
export { keyIdOf } from "./ed25519.ts";
export { defaultKeyName, generateKey, keysDir, listKeys, readPublicKey, readSigningKey, KEY_NAME_PATTERN,
  type PublicKeyInfo, type SigningKey } from "./key-store.ts";
export { ArtifactSignature, SignatureDocument, SIGNATURE_FILE, SIGNATURE_FORMAT } from "./signature-format.ts";
export { signCompileOutput } from "./sign.ts";
export { readSignatureFile } from "./signature-check.ts";
export { Policy, POLICY_FILE, policyPath, readPolicy, setRequireSigned, trustKey, untrustKey, type TrustedKey } from "./policy.ts";
export { admitForBuild, admitImage, inspectSignature, signerOf, verifyArtifact, type BuildAdmission, type ImageAdmissionFacts, type SignatureStatus,
  type VerifiedArtifact } from "./admit.ts";
export { describeArtifact, type ArtifactDescription, type OwnedHook, type SecretRequest } from "./describe.ts";
