/**
 * What a compile output gives its workload, for a person reviewing it (`mvmctl review`): everything here
 * comes from the artifacts alone. Hooks keep their owner (the app, or the addon that brought them) in the
 * order the image runs them: addons first, in attachment order, then the app's own.
 */
import { HOOK_PHASES, type HookCmd, type HookPhase, type LaunchEntrypoint, type Network, type Resources } from "@mvm/ir";
import type { CompileOutput } from "./compile-output.ts";

export interface OwnedHook {
  /** "app", or "addon NAME". */
  owner: string;
  command: HookCmd;
}

export interface SecretRequest {
  /** The guest env var that holds the secret's token. */
  var: string;
  /** The secret's name in the host store. */
  name: string;
  /** Origins the declaration asks the operator to allow (IR ref.hosts); only the operator's allowlist releases. */
  requested_hosts: string[];
}

export interface ArtifactDescription {
  app: string;
  dir: string;
  ir_hash: string;
  /** Declared image packages (nix attribute names), as the IR lists them. */
  image_packages: string[];
  entrypoints: LaunchEntrypoint[];
  resources: Resources;
  network: Network | null;
  env: { literals: Record<string, string>; secrets: SecretRequest[] };
  hooks: Partial<Record<HookPhase, OwnedHook[]>>;
  files: { count: number; total_bytes: number; largest: { path: string; bytes: number }[] };
}

/** What `output` gives its workload; the `largest` files (10 by default) by size. */
export function describeArtifact(output: CompileOutput, opts: { largest?: number } = {}): ArtifactDescription {
  const { app, launch, tree } = output;
  const literals: Record<string, string> = {};
  const secrets: SecretRequest[] = [];
  for (const [name, value] of Object.entries(app.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value.kind === "literal") literals[name] = value.value;
    else secrets.push({ var: name, name: value.ref.name, requested_hosts: value.ref.hosts ?? [] });
  }
  const owners = [...(app.addons ?? []).map((a) => ({ owner: `addon ${a.name}`, hooks: a.hooks })), { owner: "app", hooks: app.hooks }];
  const hooks: ArtifactDescription["hooks"] = {};
  for (const phase of HOOK_PHASES) {
    const list = owners.flatMap(({ owner, hooks: h }) => (h?.[phase] ?? []).map((command) => ({ owner, command })));
    if (list.length) hooks[phase] = list;
  }
  const largest = [...tree.entries].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1)).slice(0, opts.largest ?? 10)
    .map((e) => ({ path: e.path, bytes: e.size }));
  return {
    app: app.name,
    dir: output.dir,
    ir_hash: output.irHash,
    image_packages: app.image.packages,
    entrypoints: launch.entrypoints,
    resources: launch.resources,
    network: launch.network,
    env: { literals, secrets },
    hooks,
    files: { count: tree.fileCount, total_bytes: tree.totalBytes, largest },
  };
}
