/**
 * The image's cache key: a hash of every input that decides its bytes — the layers' own keys (which hash
 * their inputs), the compile output (ir_hash, tree hash, launch.json), the agent, the runner, both SDKs,
 * the agent config, the TypeScript compiler and, when a builder VM runs before_build, the kernel it boots.
 * Unchanged input gives the same key, and `mvmctl build` then does no package and no ext4 work.
 */
import { readFile } from "node:fs/promises";
import type { CompileOutput } from "@mvm/admission";
import { runnerSourcePaths, type AgentConfig } from "@mvm/guest";
import { version as esbuildVersion } from "esbuild";
import { contentKey } from "../cache.ts";

/** Bump when how an image is composed changes in a way its inputs do not show. */
export const IMAGE_RECIPE_VERSION = "1";

export interface ImageKeyParts {
  input: CompileOutput;
  baseKey: string;
  nodeKey?: string;
  agentHash: string;
  sdkKeys: string[];
  config: AgentConfig;
  /** sha256 of the kernel, only when a builder VM runs before_build. */
  builderKernel?: string;
}

export async function appLayerKey(p: ImageKeyParts): Promise<string> {
  const language = p.config.language;
  const runner = language === "python" || language === "node" ? await readFile(runnerSourcePaths()[language]) : Buffer.alloc(0);
  return contentKey("app-layer", IMAGE_RECIPE_VERSION, p.input.irHash, p.input.treeHash, p.input.launchBytes, p.agentHash, runner,
    ...p.sdkKeys, `esbuild ${esbuildVersion}`, JSON.stringify(p.config));
}

export function imageKey(p: ImageKeyParts, appKey: string): string {
  return contentKey("image", IMAGE_RECIPE_VERSION, p.baseKey, p.nodeKey ?? "", appKey, p.builderKernel ?? "", String(p.input.launch.resources.rootfs_size_mb));
}
