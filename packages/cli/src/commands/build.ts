import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, ensureHostPackages, ensureMvmHome, hostPackages, mvmHome, type BuildAppResult } from "@mvm/builder";
import type { AcceleratorChoice, GuestKernelSpec } from "@mvm/vmm";
import pc from "picocolors";
import { progressLine } from "../progress-line.ts";
import { runtimeLabel } from "./images.ts";
import { notice } from "../report.ts";

export interface BuildFlags {
  /** Commander's `--no-cache`: false when given. */
  cache?: boolean;
  strict?: boolean;
  json?: boolean;
  afterStartTimeout?: number;
  afterStartInterval?: number;
}

/** The host's accelerator, probed once (a KVM test boot costs seconds), only when a builder VM needs it. */
async function accelerator(kernel: GuestKernelSpec): Promise<AcceleratorChoice> {
  return (await import("@mvm/runtime")).hostAccelerator(kernel);
}

/**
 * Builds `target` — a compile output directory, or an app file (compiled to a temporary directory first) —
 * into an image registered under the app's name. Ctrl-C (or SIGTERM) stops every step and removes what it
 * staged; a second Ctrl-C exits at once.
 */
export async function buildCommand(target: string, flags: BuildFlags, toolchainVersion: string): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.kill(process.pid, signal);
      return;
    }
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const progress = progressLine("build");
  let compiledDir: string | undefined;
  try {
    ensureMvmHome();
    await ensureHostPackages([...new Set([...hostPackages("image"), ...hostPackages("kernel"), ...hostPackages("vmm")])], progress.update);
    let dir = target;
    // A file is an app file to compile first (compile refuses what it cannot read); anything else is a compile output.
    if (await stat(target).then((s) => s.isFile(), () => false)) {
      await refuseUnsignedShortcut(target);
      compiledDir = await mkdtemp(join(tmpdir(), "mvm-build-compile-"));
      const { compileFile, writeArtifacts } = await import("@mvm/compiler");
      const compiled = await compileFile(target, { onNotice: notice });
      writeArtifacts(compiled, compiledDir, notice);
      notice(`compiled ${target} (ir_hash ${compiled.irHash.slice(0, 12)})`);
      dir = compiledDir;
    }
    const result = await buildApp(dir, {
      noCache: flags.cache === false,
      strict: flags.strict,
      readiness: { afterStartMs: flags.afterStartTimeout, afterStartIntervalMs: flags.afterStartInterval },
      accelerator,
      progress: progress.update,
      onWarning: (line) => progress.print(`${pc.yellow("warning")}: ${line}`),
      onHookLine: (line) => progress.print(`${pc.dim("before_build |")} ${line}`),
      signal: controller.signal,
      toolchainVersion,
    });
    progress.done();
    process.stdout.write(flags.json ? `${JSON.stringify(summary(result))}\n` : humanSummary(result));
  } finally {
    progress.done();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (compiledDir) await rm(compiledDir, { recursive: true, force: true });
  }
}

/** `build app.py` compiles to a temporary directory nobody signed: under require_signed, say how to get a signed one. */
async function refuseUnsignedShortcut(appFile: string): Promise<void> {
  const { policyPath, readPolicy } = await import("@mvm/admission");
  if (!readPolicy(mvmHome())?.require_signed) return;
  const { MvmError } = await import("@mvm/ir/errors");
  throw new MvmError("ADMIT_UNSIGNED",
    `${appFile} is an app file, which build would compile to an unsigned temporary directory, and ${policyPath(mvmHome())} requires artifacts signed by a trusted key`,
    `compile it, review and sign the output, then build that: mvmctl compile ${appFile} --out DIR, mvmctl review DIR, mvmctl sign DIR, mvmctl build DIR`);
}

function summary({ app, cached }: BuildAppResult) {
  const m = app.manifest;
  return {
    name: m.name,
    /** True when nothing was built: every layer, and the image itself, came from the cache. */
    cached,
    image: { path: app.imagePath, sha256: m.image.sha256, size_bytes: m.image.size_bytes, used_bytes: m.sizes.image_used_bytes },
    ir_hash: m.ir_hash,
    /** The signature the build admitted: signer and time; null when the artifacts were unsigned. */
    signature: m.signature ? { signer: m.signature.payload.signer, signed_at: m.signature.payload.signed_at } : null,
    runtime: m.runtime,
    provider: m.provider,
    layers: m.layers.map((l) => ({ ...l, cached: cached || l.cached })),
    substitutions: m.substitutions,
    warnings: m.warnings,
    /** How long the build that made the registered image took (not this call, when cached). */
    build_ms: m.build_ms,
  };
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

function humanSummary({ app, cached }: BuildAppResult): string {
  const m = app.manifest;
  const layers = m.layers.map((l) => `${l.name} ${cached || l.cached ? "cached" : "built"}`).join(", ");
  return [
    `${cached ? "up to date" : "built"}: ${m.name} — ${mib(m.image.size_bytes)} image (${mib(m.sizes.image_used_bytes)} used), ${runtimeLabel(m.runtime)}, ${m.provider.name} ${m.provider.suite ?? ""}`.trimEnd(),
    `layers: ${layers}`,
    ...m.warnings.map((w) => `warning: ${w}`),
    `image: ${app.imagePath} (ir_hash ${m.ir_hash.slice(0, 12)})`,
    `signed: ${m.signature ? `by ${m.signature.payload.signer.name} (key ${m.signature.payload.signer.key_id}) at ${m.signature.payload.signed_at}` : "no (unsigned artifacts)"}`,
    "",
  ].join("\n");
}
