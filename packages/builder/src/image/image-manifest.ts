/** The manifest a finished build registers (registry/manifest.ts), from what the build resolved and made. */
import type { ArtifactSignature, CompileOutput } from "@mvm/admission";
import type { AgentConfig } from "@mvm/guest";
import type { LaunchEntrypoint } from "@mvm/ir";
import type { GuestKernel } from "../kernel/resolve.ts";
import { IMAGE_FILE, IMAGE_MANIFEST_VERSION, type ImageManifest, type LayerRecord, type ResolvedPackage } from "../registry/manifest.ts";
import { DEFAULT_HEALTH_PORT } from "./agent-json.ts";
import { packageVersions } from "./package-plan.ts";
import type { ImageResolution } from "./providers/provider.ts";

export interface ManifestParts {
  input: CompileOutput;
  /** What admission recorded: the signature the input carried, or null. */
  signature: ArtifactSignature | null;
  resolution: ImageResolution;
  /** Debian package → version (the base layer's), and the Node release, if any. */
  debianVersions: Record<string, string>;
  nodeVersion?: string;
  config: AgentConfig;
  kernel: GuestKernel;
  kernelSha: string;
  agent: { sha256: string; sourceHash: string };
  image: { sha256: string; sizeBytes: number; usedBytes: number };
  treeBytes: number;
  layers: LayerRecord[];
  warnings: string[];
  startedMs: number;
  toolchainVersion: string;
}

/** "3.13.5-2+deb13u5" → "3.13.5", "1:2.39.5-0+deb12u3" → "2.39.5". */
export function upstreamVersion(debian: string): string {
  return debian.replace(/^\d+:/, "").replace(/-[^-]*$/, "").replace(/[+~].*$/, "");
}

export function imageManifest(p: ManifestParts): ImageManifest {
  const packages: ResolvedPackage[] = packageVersions(p.resolution, p.debianVersions, p.nodeVersion).map((r) => ({ ...r, version: r.version ?? "unknown" }));
  const python = p.resolution.runtime.python;
  const pythonVersion = python ? p.debianVersions[python.package] : undefined;
  const primaryFirst = (e: LaunchEntrypoint) => (e.kind === "command" || e.primary ? 0 : 1);
  const debianLayer = p.resolution.layers.find((l) => l.kind === "debian");
  return {
    manifest_version: IMAGE_MANIFEST_VERSION,
    name: p.input.app.name,
    ir_hash: p.input.irHash,
    tree_hash: p.input.treeHash,
    artifact_digests: p.input.digests,
    signature: p.signature,
    image: { file: IMAGE_FILE, sha256: p.image.sha256, size_bytes: p.image.sizeBytes },
    kernel: { path: p.kernel.vmlinux, sha256: p.kernelSha, flavour: p.kernel.flavour, ...(p.kernel.initrd ? { initrd: p.kernel.initrd } : {}) },
    agent: { sha256: p.agent.sha256, source_hash: p.agent.sourceHash },
    runtime: {
      language: p.config.language,
      ...(pythonVersion ? { python: upstreamVersion(pythonVersion) } : {}),
      ...(p.nodeVersion ? { node: p.nodeVersion } : {}),
    },
    entrypoints: [...p.input.launch.entrypoints].sort((a, b) => primaryFirst(a) - primaryFirst(b)),
    resources: p.input.launch.resources,
    network: p.input.launch.network,
    env: p.input.launch.env,
    health_port: DEFAULT_HEALTH_PORT,
    packages,
    substitutions: p.resolution.substitutions,
    warnings: p.warnings,
    layers: p.layers,
    sizes: { image_bytes: p.image.sizeBytes, image_used_bytes: p.image.usedBytes, tree_bytes: p.treeBytes },
    provider: { name: p.resolution.provider, ...(debianLayer?.kind === "debian" ? { suite: debianLayer.suite } : {}) },
    built_at: new Date().toISOString(),
    build_ms: Date.now() - p.startedMs,
    toolchain_version: p.toolchainVersion,
  };
}
