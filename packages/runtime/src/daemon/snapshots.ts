/**
 * `mvmctl snapshot ls|rm|prune` in the daemon. A template is current when an app registered in this
 * MVM_HOME would clone it now (its key is that app's key), stale when none would (the app was rebuilt or
 * removed, or the host's QEMU, kernel or accelerator changed), invalid when its template.json is unreadable.
 * The cache is shared by every home on the host: prune judges by this home's apps.
 */
import { listApps, type RegisteredApp } from "@mvm/builder";
import { MvmError } from "@mvm/ir";
import { cloneRefusal, listTemplateKeys, readTemplateManifest, templateDiskBytes, type TemplateManifest, type TemplateService } from "../snapshot/index.ts";
import type { Backend } from "@mvm/vmm";
import type { TemplateView } from "./control-protocol.ts";
import type { Instance } from "./instance.ts";
import { resolveNetwork } from "./network.ts";
import { holdsVm } from "./state.ts";
import { instanceVmSpec } from "./vm-spec.ts";

export interface SnapshotContext {
  backend: Backend;
  templates: TemplateService;
  instances(): Iterable<Instance>;
}

/** Paths only feed placeholders in the key; any will do. */
const KEY_PATHS = { agentSocket: "/k/agent", console: "/k/console", qmpSocket: "/k/qmp", vmmLog: "/k/qemu.log" };

/** The template key each app of this home clones now, with the apps that share it. */
export async function templatesOfApps(ctx: SnapshotContext): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  for (const app of await listApps()) {
    const key = await appKey(ctx, app).catch(() => undefined);
    if (key) keys.set(key, [...(keys.get(key) ?? []), app.name]);
  }
  return keys;
}

async function appKey(ctx: SnapshotContext, app: RegisteredApp): Promise<string | undefined> {
  const m = app.manifest;
  if (cloneRefusal(m, ctx.backend)) return undefined;
  const network = resolveNetwork(m.network);
  const spec = instanceVmSpec({
    kernel: { path: m.kernel.path, flavour: m.kernel.flavour, ...(m.kernel.initrd ? { initrd: m.kernel.initrd } : {}) },
    image: { path: app.imagePath, sha256: m.image.sha256 }, cpus: m.resources.cpu_cores, memory_mb: m.resources.memory_mb, network,
  }, KEY_PATHS);
  return (await ctx.templates.keyFor(m, network, spec)).key;
}

export async function listTemplateViews(ctx: SnapshotContext): Promise<TemplateView[]> {
  const current = await templatesOfApps(ctx);
  const byApp = new Map<string, string>();
  for (const [key, apps] of current) for (const app of apps) byApp.set(app, key);
  const views: TemplateView[] = [];
  for (const key of await listTemplateKeys()) {
    let manifest: TemplateManifest | undefined;
    let invalid: string | undefined;
    try {
      manifest = await readTemplateManifest(key);
    } catch (err) {
      invalid = (err as Error).message;
    }
    const apps = current.get(key) ?? [];
    const clones = [...ctx.instances()].filter((i) => i.record.template?.key === key && holdsVm(i.record.state)).length;
    let status: TemplateView["status"] = invalid ? "invalid" : apps.length > 0 ? "current" : "stale";
    let reason = invalid;
    if (status === "stale" && manifest) {
      const now = byApp.get(manifest.app);
      reason = now ? `app ${manifest.app} now clones template ${now.slice(0, 12)} (rebuilt, or its machine changed)` : `no app named ${manifest.app} in this MVM_HOME`;
    }
    if (!manifest && !invalid) status = "invalid";
    views.push({
      key, status, ...(reason ? { reason } : {}),
      app: manifest?.app ?? null, apps, image_sha256: manifest?.parts.image_sha256 ?? null, created_at: manifest?.created_at ?? null,
      ram_bytes: manifest?.files.ram.bytes ?? null, disk_bytes: await templateDiskBytes(key), clones,
      verified: ctx.templates.isVerified(key), boot_ms: manifest?.boot_ms ?? null, warm_call: manifest?.warm_call.note ?? null,
    });
  }
  return views;
}

/** Removes the templates `selectors` name: key prefixes (4+ hex characters) or app names; `all` removes every one. */
export async function removeTemplates(ctx: SnapshotContext, selectors: string[], all: boolean): Promise<TemplateView[]> {
  const views = await listTemplateViews(ctx);
  const chosen = new Map<string, TemplateView>();
  if (all) for (const v of views) chosen.set(v.key, v);
  for (const selector of selectors) {
    const byKey = /^[0-9a-f]{4,64}$/.test(selector) ? views.filter((v) => v.key.startsWith(selector)) : [];
    // An app name means the template that app of this home clones now: another home's app of that name may
    // share the cache, and its templates are not this one's to remove (prune removes stale ones).
    const matches = byKey.length > 0 ? byKey : views.filter((v) => v.apps.includes(selector));
    if (byKey.length > 1) {
      throw new MvmError("RUN_INPUT_INVALID", `key prefix ${selector} matches ${byKey.length} templates: ${byKey.map((v) => v.key.slice(0, 12)).join(", ")}`, "give more of the key");
    }
    if (matches.length === 0) {
      throw new MvmError("SNAPSHOT_NOT_FOUND", `no template has a key starting ${selector}, and no app named ${selector} clones one`, "mvmctl snapshot ls lists them");
    }
    for (const v of matches) chosen.set(v.key, v);
  }
  for (const key of chosen.keys()) await ctx.templates.remove(key);
  return [...chosen.values()];
}

/** Removes every stale or invalid template, and leftovers of interrupted makers. */
export async function pruneTemplates(ctx: SnapshotContext): Promise<{ removed: TemplateView[]; freed_bytes: number }> {
  await ctx.templates.sweep();
  const removed = (await listTemplateViews(ctx)).filter((v) => v.status !== "current");
  for (const v of removed) await ctx.templates.remove(v.key);
  return { removed, freed_bytes: removed.reduce((n, v) => n + v.disk_bytes, 0) };
}
