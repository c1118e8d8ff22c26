/** After `npm pack`: the workspace package.json comes back (see prepack.ts). */
import { existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WORKSPACE_MANIFEST_BACKUP = "package.json.workspace";
const SDK_DIR = fileURLToPath(new URL("..", import.meta.url));

export async function restoreWorkspaceManifest(): Promise<void> {
  const backup = join(SDK_DIR, WORKSPACE_MANIFEST_BACKUP);
  if (existsSync(backup)) await rename(backup, join(SDK_DIR, "package.json"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await restoreWorkspaceManifest();
