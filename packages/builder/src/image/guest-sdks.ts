/**
 * The SDKs an image carries so the app's own `import mvm` / `import * as mvm from "mvm-sdk"` resolves in
 * the guest: the stdlib-only Python package as it is in the repository, and the same self-contained
 * mvm-sdk bundle `npm pack` publishes (cached by the hash of what it is made from).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleSdk, sdkBundleKey } from "mvm-sdk/bundle";
import { buildOnce, mvmCacheDir } from "../cache.ts";

/** sdk/python/mvm in this checkout. */
export const PYTHON_SDK_SOURCE_DIR = fileURLToPath(new URL("../../../../sdk/python/mvm", import.meta.url));

export interface SdkTree {
  /** The directory to copy into the image. */
  dir: string;
  /** Files to copy, relative to `dir` (the Python SDK leaves out bytecode caches). */
  files: string[];
  key: string;
}

export async function pythonSdkTree(): Promise<SdkTree> {
  const files = (await readdir(PYTHON_SDK_SOURCE_DIR, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !e.parentPath.includes("__pycache__") && !e.name.endsWith(".pyc"))
    .map((e) => join(e.parentPath, e.name).slice(PYTHON_SDK_SOURCE_DIR.length + 1))
    .sort();
  const h = createHash("sha256").update("mvm-python-sdk\0");
  for (const f of files) h.update(`${f}\0`).update(await readFile(join(PYTHON_SDK_SOURCE_DIR, f)));
  return { dir: PYTHON_SDK_SOURCE_DIR, files, key: h.digest("hex") };
}

/** The mvm-sdk package (package.json + index.js), bundled once per source hash into the cache. */
export async function nodeSdkTree(): Promise<SdkTree> {
  const key = await sdkBundleKey();
  const dir = join(mvmCacheDir(), "sdk", "mvm-sdk", key);
  await buildOnce(dir, (tmp) => bundleSdk(tmp));
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
  return { dir, files, key };
}
