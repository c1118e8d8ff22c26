/**
 * The daemon's templates: finding a valid one for an instance, making it when there is none (once per key
 * across the daemons of a host: the cache lock), verifying it (fully once per daemon, then by identity per
 * clone), refusing and removing a bad one, and ending template VMs when the daemon stops.
 */
import { buildOnce, type ImageManifest } from "@mvm/builder";
import { MvmError } from "@mvm/ir";
import type { Backend, RunningVm, VmSpec } from "@mvm/vmm";
import { stat } from "node:fs/promises";
import type { TemplateKeyParts, TemplateManifest } from "./format.ts";
import { templateKey, templateKeyParts } from "./key.ts";
import { makeTemplate, TemplateBootError, TemplateUnavailable, type TemplateVmValues } from "./make.ts";
import { readTemplateManifest, removeTemplate, sweepAbandoned, templateDir, templatePaths } from "./store.ts";
import { identityOf, verifyFully, verifyIdentity, type VerifiedTemplate } from "./verify.ts";

export interface TemplateRequest {
  app: { name: string; manifest: ImageManifest };
  network: TemplateKeyParts["network"];
  /** The spec the instance would boot cold with. */
  spec: VmSpec;
  runDir: string;
  consoleLog: string;
  /** The template VM's own identity, from the template's key. */
  values(key: string): TemplateVmValues;
  deadlineMs: number;
  /** Progress for the `up` that waits (making a template, waiting for another process making it). */
  note(message: string): void;
}

export interface ObtainedTemplate {
  template: VerifiedTemplate;
  /** Set when this request made it: the template VM's boot and save. */
  made?: { totalMs: number };
}

/** Why an app's instances are never cloned; undefined when they may be. */
export function cloneRefusal(manifest: ImageManifest, backend: Backend): string | undefined {
  if (!backend.snapshots) return `the ${backend.name} backend has no snapshot support`;
  // Measured: two clones of a Node runner return the same crypto.randomBytes, randomUUID and Math.random
  // output. OpenSSL's DRBG and V8's generator live in the runner and cannot be reseeded from outside, so a
  // Node app's clones would share RNG output (docs/snapshots.md).
  if (manifest.runtime.language === "node") return "node runtimes cannot be reseeded after a restore (their clones would share RNG output)";
  return undefined;
}

export class TemplateService {
  private readonly verified = new Map<string, VerifiedTemplate>();
  private readonly making = new Map<string, Promise<ObtainedTemplate>>();
  private readonly vms = new Set<RunningVm>();
  private swept: Promise<void> | undefined;

  constructor(private readonly backend: Backend, private readonly log: (line: string) => void) {}

  /** The key (and its parts) an instance booting `spec` from `manifest` would clone. */
  async keyFor(manifest: ImageManifest, network: TemplateKeyParts["network"], spec: VmSpec): Promise<{ key: string; parts: TemplateKeyParts }> {
    const snapshots = this.backend.snapshots;
    if (!snapshots) throw new MvmError("SNAPSHOT_RESTORE_FAILED", `the ${this.backend.name} backend has no snapshot support`);
    const parts = await templateKeyParts({ manifest, network, spec, accel: await this.backend.accelerator(spec.kernel), snapshots });
    return { key: templateKey(parts), parts };
  }

  /**
   * A verified template for the request, made now when there is none. Throws TemplateBootError when the
   * template VM failed as a cold boot would (the app's fault), TemplateUnavailable for anything else (a
   * refused or broken template is removed first, so the next `up` makes a fresh one).
   */
  async obtain(req: TemplateRequest): Promise<ObtainedTemplate> {
    this.swept ??= this.sweep();
    await this.swept;
    const { key, parts } = await this.keyFor(req.app.manifest, req.network, req.spec);
    const pending = this.making.get(key);
    if (pending) return { template: (await pending).template };
    const known = this.verified.get(key);
    if (known) {
      // The per-clone check: the files are still the ones this daemon hashed.
      try {
        await verifyIdentity(known);
        return { template: known };
      } catch (err) {
        return this.refuse(key, err);
      }
    }
    const existing = await this.existing(key);
    if (existing) return { template: existing };
    const making = this.make(key, parts, req).finally(() => this.making.delete(key));
    this.making.set(key, making);
    return making;
  }

  /** A template that failed its identity check or its restore: removed, so it is made again. */
  async forget(key: string, why: string): Promise<void> {
    this.verified.delete(key);
    this.log(`removing template ${key.slice(0, 12)}: ${why}`);
    await removeTemplate(key).catch((err: Error) => this.log(`cannot remove template ${key.slice(0, 12)}: ${err.message}`));
  }

  /** Removes a template on request (`mvmctl snapshot rm|prune`). */
  async remove(key: string): Promise<void> {
    this.verified.delete(key);
    await removeTemplate(key);
  }

  /** Removes what interrupted template makers (of any process now dead) left in the cache. */
  sweep(): Promise<void> {
    return sweepAbandoned(this.log).catch((err: Error) => this.log(`template sweep: ${err.message}`));
  }

  /** Whether this daemon has fully verified `key` (what `snapshot ls` shows). */
  isVerified(key: string): boolean {
    return this.verified.has(key);
  }

  /** Ends template VMs in progress (the daemon is stopping; a template VM is never worth keeping). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.vms].map((vm) => vm.stop({ quitDeadlineMs: 2_000 })));
  }

  private async existing(key: string): Promise<VerifiedTemplate | undefined> {
    let manifest: TemplateManifest | undefined;
    try {
      manifest = await readTemplateManifest(key);
      if (!manifest) return undefined;
      const verified = await verifyFully(templateDir(key), manifest);
      this.verified.set(key, verified);
      return verified;
    } catch (err) {
      return this.refuse(key, err);
    }
  }

  private async refuse(key: string, err: unknown): Promise<never> {
    const why = err instanceof Error ? err.message : String(err);
    await this.forget(key, why);
    throw new TemplateUnavailable("SNAPSHOT_TEMPLATE_INVALID", `template ${key.slice(0, 12)} was refused and removed: ${why}`, undefined, { cause: err });
  }

  private async make(key: string, parts: TemplateKeyParts, req: TemplateRequest): Promise<ObtainedTemplate> {
    const started = Date.now();
    let made: TemplateManifest | undefined;
    let vm: RunningVm | undefined;
    req.note(`making a snapshot template for ${req.app.name} (one cold boot; later ups clone it; up --cold skips templates)`);
    try {
      await buildOnce(templateDir(key), async (staging) => {
        made = await makeTemplate(staging, {
          backend: this.backend, key, parts, app: req.app, spec: req.spec, runDir: req.runDir, consoleLog: req.consoleLog,
          values: req.values(key), deadlineMs: Math.max(1, req.deadlineMs - (Date.now() - started)),
          onVm: (v) => {
            if (vm) this.vms.delete(vm);
            vm = v;
            if (v) this.vms.add(v);
          },
        });
      }, {
        lockWaitMs: req.deadlineMs,
        onWait: (pid) => req.note(`waiting for process ${pid}, which is making this template`),
      });
    } catch (err) {
      if (err instanceof TemplateBootError || err instanceof TemplateUnavailable) throw err;
      throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", `the template could not be made: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    } finally {
      if (vm) this.vms.delete(vm);
    }
    if (!made) {
      // Another process made it while this one waited: verify it as any template first used here.
      const existing = await this.existing(key);
      if (!existing) throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", `template ${key.slice(0, 12)} vanished right after it was made`);
      return { template: existing };
    }
    // Hashed in the staging directory by the maker; the rename kept the files (and their identity).
    const paths = templatePaths(templateDir(key));
    const template: VerifiedTemplate = { key, manifest: made, paths, ram: identityOf(await stat(paths.ram)), state: identityOf(await stat(paths.state)) };
    this.verified.set(key, template);
    this.log(`made template ${key.slice(0, 12)} for ${req.app.name} in ${Date.now() - started} ms (warm call: ${made.warm_call.note})`);
    return { template, made: { totalMs: Date.now() - started } };
  }
}
