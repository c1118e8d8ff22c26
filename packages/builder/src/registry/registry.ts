/**
 * The app registry, `MVM_HOME/apps/<name>/`: each built app's image and manifest. An app directory is
 * replaced only whole (a staged directory renamed into place), so a reader sees the old app or the new one.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive } from "@mvm/vmm";
import { APP_NAME_PATTERN, MvmError, parseWith } from "@mvm/ir";
import { mvmHome } from "../home.ts";
import { IMAGE_FILE, IMAGE_MANIFEST_VERSION, ImageManifest, MANIFEST_FILE } from "./manifest.ts";

export interface RegisteredApp {
  name: string;
  dir: string;
  /** Absolute path of the read-only root image. */
  imagePath: string;
  manifest: ImageManifest;
}

export function appsDir(): string {
  return join(mvmHome(), "apps");
}

function appDir(name: string): string {
  if (!APP_NAME_PATTERN.test(name)) {
    throw new MvmError("BUILD_APP_NOT_FOUND", `"${name}" is not an app name (expected ${APP_NAME_PATTERN.source})`, "mvmctl images lists the built apps");
  }
  return join(appsDir(), name);
}

/** The registered app `name`; BUILD_APP_NOT_FOUND when it was never built (or was removed). */
export async function readApp(name: string): Promise<RegisteredApp> {
  const dir = appDir(name);
  const text = await readFile(join(dir, MANIFEST_FILE), "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") {
      throw new MvmError("BUILD_APP_NOT_FOUND", `no app named "${name}" has been built`, "run mvmctl build DIR (the output of mvmctl compile --out DIR); mvmctl images lists the built apps");
    }
    throw new MvmError("BUILD_REGISTRY_CORRUPT", `cannot read ${join(dir, MANIFEST_FILE)}: ${err.message}`, undefined, { cause: err });
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MvmError("BUILD_REGISTRY_CORRUPT", `${join(dir, MANIFEST_FILE)} is not JSON`, `rebuild the app: mvmctl build DIR`, { cause: err });
  }
  const version = (json as { manifest_version?: unknown } | null)?.manifest_version;
  if (typeof version === "number" && version !== IMAGE_MANIFEST_VERSION) {
    throw new MvmError("BUILD_REGISTRY_CORRUPT", `${join(dir, MANIFEST_FILE)} has manifest_version ${version}; this mvmctl reads ${IMAGE_MANIFEST_VERSION}`,
      `build the app again with this mvmctl: mvmctl build DIR`);
  }
  const manifest = parseWith(ImageManifest, json, join(dir, MANIFEST_FILE));
  return { name, dir, imagePath: join(dir, manifest.image.file), manifest };
}

/** Every registered app, by name. Directories that hold no readable manifest are skipped. */
export async function listApps(): Promise<RegisteredApp[]> {
  const names = await readdir(appsDir()).catch(() => [] as string[]);
  const apps: RegisteredApp[] = [];
  for (const name of names.filter((n) => APP_NAME_PATTERN.test(n)).sort()) {
    const app = await readApp(name).catch(() => undefined);
    if (app) apps.push(app);
  }
  return apps;
}

/**
 * Registers a finished build: `stagingDir` holds IMAGE_FILE; the manifest is written beside it and the
 * directory takes `name`'s place in one rename (an older build of the same name is removed after).
 * `stagingDir` must be on the same filesystem as the registry (use `registryStagingDir`).
 */
export async function registerApp(stagingDir: string, manifest: ImageManifest): Promise<RegisteredApp> {
  const parsed = parseWith(ImageManifest, manifest, "the image manifest");
  if (!existsSync(join(stagingDir, IMAGE_FILE))) throw new MvmError("BUILD_REGISTRY_CORRUPT", `${stagingDir} has no ${IMAGE_FILE}`);
  await writeFile(join(stagingDir, MANIFEST_FILE), `${JSON.stringify(parsed, null, 2)}\n`);
  const dir = appDir(parsed.name);
  const old = `${dir}.old-${process.pid}-${Date.now()}`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(stagingDir, dir);
  await rm(old, { recursive: true, force: true });
  return readApp(parsed.name);
}

/**
 * A fresh directory beside the registry to stage a build in (so registering is a rename, not a copy). Staged
 * and replaced directories that a killed build (SIGKILL, power loss) left behind are removed first.
 */
export async function registryStagingDir(name: string): Promise<string> {
  await removeAbandoned();
  const dir = join(appsDir(), `.staging-${name}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** `.staging-<name>-<pid>-<ms>` and `<name>.old-<pid>-<ms>` whose process is gone. */
async function removeAbandoned(): Promise<void> {
  for (const entry of await readdir(appsDir()).catch(() => [] as string[])) {
    const pid = Number(/(?:^\.staging-.+|\.old)-(\d+)-\d+$/.exec(entry)?.[1]);
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(appsDir(), entry), { recursive: true, force: true });
  }
}

/** Removes a registered app (the caller checks that no instance runs from it). */
export async function removeApp(name: string): Promise<void> {
  await readApp(name);
  await rm(appDir(name), { recursive: true, force: true });
}
