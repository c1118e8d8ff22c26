/**
 * The template store: `MVM_CACHE_DIR/templates/<key>/`, shared by every MVM_HOME on the host like the rest
 * of the cache. A template is published with one rename of a complete directory (buildOnce) and removed by
 * renaming it aside first, so a reader sees a whole template or none. Clones map the RAM file
 * MAP_PRIVATE: removing a template a clone still runs from is safe (the inode lives until the clone exits).
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { mvmCacheDir } from "@mvm/builder";
import { MvmError, parseWith } from "@mvm/ir";
import { findProcessByArg, isProcessAlive } from "@mvm/vmm";
import { RAM_FILE, STATE_FILE, TEMPLATE_MANIFEST_FILE, TemplateManifest } from "./format.ts";
import { templateKey } from "./key.ts";

const KEY = /^[0-9a-f]{64}$/;

/** `MVM_TEMPLATE_DIR`, default `MVM_CACHE_DIR/templates` (the daemon's, from the command that started it). */
export function templatesDir(): string {
  return process.env.MVM_TEMPLATE_DIR || join(mvmCacheDir(), "templates");
}

export function templateDir(key: string): string {
  return join(templatesDir(), key);
}

export interface TemplatePaths {
  dir: string;
  manifest: string;
  ram: string;
  state: string;
}

export function templatePaths(dir: string): TemplatePaths {
  return { dir, manifest: join(dir, TEMPLATE_MANIFEST_FILE), ram: join(dir, RAM_FILE), state: join(dir, STATE_FILE) };
}

/**
 * The template.json of `key`, checked: it parses against the schema, names this key, and the key is the hash
 * of the parts it lists. Undefined when there is no template; SNAPSHOT_TEMPLATE_INVALID when it is bad.
 */
export async function readTemplateManifest(key: string): Promise<TemplateManifest | undefined> {
  const paths = templatePaths(templateDir(key));
  let text: string;
  try {
    text = await readFile(paths.manifest, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      if (!existsSync(paths.dir)) return undefined;
      throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${key.slice(0, 12)} has no ${TEMPLATE_MANIFEST_FILE}`, undefined, { cause: err });
    }
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `cannot read ${paths.manifest}: ${(err as Error).message}`, undefined, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `${paths.manifest} is not JSON`, undefined, { cause: err });
  }
  let manifest: TemplateManifest;
  try {
    manifest = parseWith(TemplateManifest, json, paths.manifest);
  } catch (err) {
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `${paths.manifest} does not match the template format: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (manifest.key !== key || templateKey(manifest.parts) !== key) {
    throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `${paths.manifest} describes another template than ${key.slice(0, 12)}`);
  }
  return manifest;
}

/** Every published template's key (directories named by a key; staging and aside ones are not). */
export async function listTemplateKeys(): Promise<string[]> {
  const entries = await readdir(templatesDir()).catch(() => [] as string[]);
  return entries.filter((e) => KEY.test(e)).sort();
}

/** Removes a template: renamed aside (readers see it gone at once), then deleted. */
export async function removeTemplate(key: string): Promise<void> {
  const dir = templateDir(key);
  const aside = `${dir}.old-${process.pid}-${Date.now()}`;
  try {
    await rename(dir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Bytes a template's files really occupy on disk (the RAM file is sparse). */
export async function templateDiskBytes(key: string): Promise<number> {
  const paths = templatePaths(templateDir(key));
  let total = 0;
  for (const file of [paths.ram, paths.state, paths.manifest]) {
    const st = await stat(file).catch(() => undefined);
    if (st) total += st.blocks * 512;
  }
  return total;
}

/**
 * Removes what a process that died while making or removing a template left (`<key>.tmp-<pid>`,
 * `<key>.old-<pid>-…`), first killing a template VM still running from such a directory.
 */
export async function sweepAbandoned(log: (line: string) => void): Promise<void> {
  for (const entry of await readdir(templatesDir()).catch(() => [] as string[])) {
    const pid = Number(/^[0-9a-f]{64}\.(?:tmp-(\d+)|old-(\d+)-\d+)$/.exec(entry)?.slice(1).find(Boolean));
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue;
    const dir = join(templatesDir(), entry);
    const vm = findProcessByArg(`${dir}/${RAM_FILE}`);
    if (vm !== undefined) {
      log(`killing template VM ${vm} left by process ${pid} (${entry})`);
      try {
        process.kill(vm, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}
