/**
 * The Workload IR, schema 0.1 — the one contract every part of mvm shares (DESIGN.md §2).
 * Field names match the original Rust mvm so both ecosystems read each other's artifacts.
 * This file is the only place the shape is written; `schema/workload.schema.json` is generated from it.
 */
import * as z from "zod";

export const SCHEMA_VERSION = "0.1";

export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/**
 * An origin a secret may be released to: scheme, lowercase host (DNS name, IPv4 or bracketed IPv6) and an
 * optional port; no path, no trailing slash. `http://` only when written so (local test servers).
 */
export const ORIGIN_PATTERN = /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[1-9][0-9]{0,4})?$/;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

export const HookCmd = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("shell"), line: z.string().min(1) }),
  z.strictObject({ kind: z.literal("argv"), argv: z.array(z.string()).min(1) }),
]);
export type HookCmd = z.infer<typeof HookCmd>;

export const HOOK_PHASES = ["before_build", "before_start", "after_start", "before_stop"] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

/** Each phase is omitted when it has no commands. */
export const Hooks = z.strictObject({
  before_build: z.array(HookCmd).min(1).optional(),
  before_start: z.array(HookCmd).min(1).optional(),
  after_start: z.array(HookCmd).min(1).optional(),
  before_stop: z.array(HookCmd).min(1).optional(),
});
export type Hooks = z.infer<typeof Hooks>;

export const Source = z.strictObject({
  kind: z.literal("local_path"),
  path: z.string().min(1),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
});
export type Source = z.infer<typeof Source>;

export const Image = z.strictObject({
  kind: z.literal("nix_packages"),
  packages: z.array(z.string().min(1)).min(1),
});
export type Image = z.infer<typeof Image>;

export const Language = z.enum(["python", "node"]);
export type Language = z.infer<typeof Language>;

export const FunctionEntrypoint = z.strictObject({
  kind: z.literal("function"),
  language: Language,
  module: z.string().min(1),
  function: z.string().min(1),
  format: z.literal("json"),
  working_dir: z.string().min(1),
  env: z.record(z.string(), z.string()),
  primary: z.boolean(),
});
export const CommandEntrypoint = z.strictObject({
  kind: z.literal("command"),
  command: z.array(z.string()).min(1),
  working_dir: z.string().min(1),
  env: z.record(z.string(), z.string()),
});
export const Entrypoint = z.discriminatedUnion("kind", [FunctionEntrypoint, CommandEntrypoint]);
export type FunctionEntrypoint = z.infer<typeof FunctionEntrypoint>;
export type CommandEntrypoint = z.infer<typeof CommandEntrypoint>;
export type Entrypoint = z.infer<typeof Entrypoint>;

export const EnvValue = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("literal"), value: z.string() }),
  z.strictObject({
    kind: z.literal("secret_ref"),
    ref: z.strictObject({
      name: z.string().regex(SECRET_NAME_PATTERN),
      // Recorded as `var ?? name`, exactly as the original mvm does; never validated as a variable name.
      mount: z.strictObject({ kind: z.literal("env"), var: z.string() }),
      /** Origins the declaration asks the operator to allow; only the operator's allowlist releases (omitted when empty). */
      hosts: z.array(z.string().regex(ORIGIN_PATTERN)).min(1).optional(),
    }),
  }),
]);
export type EnvValue = z.infer<typeof EnvValue>;

export const Port = z.strictObject({
  guest: int(1, 65535),
  host: int(1, 65535),
  proto: z.enum(["tcp", "udp"]),
});
export type Port = z.infer<typeof Port>;

export const Network = z.strictObject({
  mode: z.enum(["none", "bridge", "host"]),
  ports: z.array(Port),
});
export type Network = z.infer<typeof Network>;

export const Resources = z.strictObject({
  cpu_cores: int(1, 64),
  memory_mb: int(16, 1 << 20),
  rootfs_size_mb: int(1, 1 << 22),
});
export type Resources = z.infer<typeof Resources>;

export const Addon = z.strictObject({
  name: z.string().regex(APP_NAME_PATTERN),
  hooks: Hooks.optional(),
});
export type Addon = z.infer<typeof Addon>;

/** A file record mode saw the script write; baked into the image at `path`. */
export const File = z.strictObject({
  path: z.string().startsWith("/"),
  bytes_b64: z.string(),
  mode: z.string().regex(/^0[0-7]{3}$/),
});
export type File = z.infer<typeof File>;

export const App = z.strictObject({
  name: z.string().regex(APP_NAME_PATTERN),
  source: Source,
  image: Image,
  entrypoints: z.array(Entrypoint).min(1),
  env: z.record(z.string().regex(ENV_KEY_PATTERN), EnvValue),
  mounts: z.array(z.never()),
  network: Network.nullable(),
  resources: Resources,
  dependencies: z.strictObject({ kind: z.literal("none") }),
  hooks: Hooks.optional(),
  addons: z.array(Addon).min(1).optional(),
  files: z.array(File).min(1).optional(),
});
export type App = z.infer<typeof App>;

export const Workload = z.strictObject({
  schema_version: z.literal(SCHEMA_VERSION),
  id: z.string().regex(APP_NAME_PATTERN),
  apps: z.array(App).min(1),
  volumes: z.array(z.never()),
  extensions: z.strictObject({}),
});
export type Workload = z.infer<typeof Workload>;
