/**
 * launch.json (artifact format 1.1): what `mvmctl compile --out DIR` hands to `mvmctl build DIR` beside the
 * IR — the facts only the static route knows (entrypoint parameters), the source tree's identity, and the
 * hooks merged per phase (addons first, in attachment order). Canonical JSON, like the IR.
 */
import * as z from "zod";
import { CommandEntrypoint, EnvValue, FunctionEntrypoint, Hooks, Image, Network, Resources } from "./schema.ts";

export const ARTIFACT_FORMAT_VERSION = "1.1";

export const FunctionParam = z.strictObject({
  name: z.string().min(1),
  has_default: z.boolean(),
  /** The declared type annotation as written, or null when there is none. */
  type: z.string().nullable(),
});
export type FunctionParam = z.infer<typeof FunctionParam>;

/** A function entrypoint also carries its parameters as the static parse saw them (null: not known). */
export const LaunchEntrypoint = z.discriminatedUnion("kind", [
  FunctionEntrypoint.extend({ params: z.array(FunctionParam).nullable() }),
  CommandEntrypoint,
]);
export type LaunchEntrypoint = z.infer<typeof LaunchEntrypoint>;

export const LaunchSource = z.strictObject({
  kind: z.literal("local_path"),
  /** Regular files and symlinks copied into DIR/source/. */
  file_count: z.number().int().min(0),
  /**
   * sha256 over the sorted entries of DIR/source/: for each entry, in byte order of its `/`-separated
   * relative path, the UTF-8 of `<f|x|l> <path>\0<sha256 hex of contents or link target>\n`
   * (f regular file, x executable file, l symlink).
   */
  tree_hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export const Launch = z.strictObject({
  artifact_format_version: z.literal(ARTIFACT_FORMAT_VERSION),
  ir_hash: z.string().regex(/^[0-9a-f]{64}$/),
  ir_schema_version: z.string(),
  workload_id: z.string(),
  toolchain_version: z.string(),
  /** The app file's path inside source/, `/`-separated. */
  app_file: z.string(),
  image: Image,
  resources: Resources,
  entrypoint: LaunchEntrypoint,
  entrypoints: z.array(LaunchEntrypoint).min(1),
  env: z.record(z.string(), EnvValue),
  network: Network.nullable(),
  source: LaunchSource,
  hooks: Hooks,
});
export type Launch = z.infer<typeof Launch>;
