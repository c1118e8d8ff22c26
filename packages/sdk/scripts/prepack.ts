/**
 * `npm pack` (in packages/sdk, or `npm pack -w mvm-sdk`): the workspace package.json points at the TypeScript
 * sources and a private workspace dependency, which no user could install. So before npm reads the files,
 * this bundles the SDK into dist/ and swaps in the publishable package.json (no dependencies, exports and
 * types in dist/); postpack.ts puts the workspace one back. npm reads package.json again after prepack.
 */
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleSdk, publishManifest } from "./bundle.ts";
import { restoreWorkspaceManifest, WORKSPACE_MANIFEST_BACKUP } from "./postpack.ts";

const SDK_DIR = fileURLToPath(new URL("..", import.meta.url));
await restoreWorkspaceManifest(); // an earlier pack that died between prepack and postpack
await bundleSdk(join(SDK_DIR, "dist"), { types: true });
// The package root carries these; dist/ holds only code and types.
for (const extra of ["package.json", "README.md"]) await rm(join(SDK_DIR, "dist", extra));
const workspace = await readFile(join(SDK_DIR, "package.json"), "utf8");
await copyFile(join(SDK_DIR, "package.json"), join(SDK_DIR, WORKSPACE_MANIFEST_BACKUP));
if (!existsSync(join(SDK_DIR, WORKSPACE_MANIFEST_BACKUP))) throw new Error("could not back up package.json");
await writeFile(join(SDK_DIR, "package.json"), `${JSON.stringify(publishManifest(JSON.parse(workspace), "./dist/"), null, 2)}\n`);
