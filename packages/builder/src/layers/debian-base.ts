/**
 * The base layer: a Debian root tree of one suite with the image's packages and their dependencies, made by
 * `mmdebstrap --variant=extract` from the host's own mirror (no maintainer scripts run, so busybox applets
 * are linked and Python byte-compiled afterwards). Cached under MVM_CACHE_DIR by the hash of its inputs;
 * `rebuild` (--no-cache) makes it again and replaces the entry only when complete.
 */
import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { MOUNT_POINTS } from "@mvm/guest";
import { MvmError } from "@mvm/ir";
import { buildOnce, contentKey, mvmCacheDir } from "../cache.ts";
import { runCommand } from "../command.ts";
import { rethrowDiskFull } from "../disk-full.ts";
import type { ProgressFn } from "../progress.ts";
import { debianSuiteMirrorLines, hostDebianCodename, readHostAptSources } from "./apt-sources.ts";
import { writeGuestEtc } from "./guest-etc.ts";

/** Bump when the recipe below changes in a way its inputs do not show. */
const RECIPE_VERSION = "2";
const META_FILE = "layer.json";

export interface DebianLayerRequest {
  suite: string;
  released: boolean;
  packages: readonly string[];
}

export interface DebianBaseLayer {
  /** The root tree; read-only by convention (copy it before adding files). */
  root: string;
  key: string;
  suite: string;
  /** Every Debian package in the tree (dependencies included) and its version. */
  versions: Record<string, string>;
  /** False when this call had to run mmdebstrap. */
  cached: boolean;
}

export interface LayerOptions {
  progress?: ProgressFn;
  /** Build again even when cached (--no-cache). */
  rebuild?: boolean;
  signal?: AbortSignal;
}

/** The layer's cache key and the mmdebstrap source lines it would use (reads only the host's apt configuration). */
export function debianLayerPlan(request: DebianLayerRequest): { key: string; mirrors: string[]; dir: string } {
  const mirrors = debianSuiteMirrorLines({ suite: request.suite, released: request.released }, readHostAptSources(), hostDebianCodename());
  const include = [...new Set(request.packages)].sort();
  const key = contentKey("debian-base", RECIPE_VERSION, request.suite, mirrors.join("\n"), include.join(","));
  return { key, mirrors, dir: join(mvmCacheDir(), "layers", "debian-base", key) };
}

/** The package versions of the layer `request` names when it is already in the cache; undefined when it is not. */
export function cachedDebianVersions(request: DebianLayerRequest): Record<string, string> | undefined {
  const meta = join(debianLayerPlan(request).dir, META_FILE);
  return existsSync(meta) ? (JSON.parse(readFileSync(meta, "utf8")) as { versions: Record<string, string> }).versions : undefined;
}

export async function ensureDebianBaseLayer(request: DebianLayerRequest, opts: LayerOptions = {}): Promise<DebianBaseLayer> {
  const { key, mirrors, dir } = debianLayerPlan(request);
  const include = [...new Set(request.packages)].sort();
  const started = Date.now();
  const report = (phase: string, message?: string) => opts.progress?.({ phase, message, elapsedMs: Date.now() - started });
  const built = await buildOnce(dir, async (tmp) => {
    const root = join(tmp, "root");
    report("mmdebstrap", `${request.suite}: ${include.join(" ")}`);
    try {
      await runCommand("mmdebstrap", [
        "--variant=extract",
        `--include=${include.join(",")}`,
        "--skip=cleanup/apt/cache", // the downloaded .deb names are the versions the manifest records
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        request.suite, root, ...mirrors,
      ], { signal: opts.signal, onLine: (line) => /^I: /.test(line) && report("mmdebstrap", line.slice(3)) });
    } catch (err) {
      await unmountUnder(root);
      throw unknownPackage(err, request.suite) ?? err;
    }
    const versions = await takeDebVersions(root);
    await linkMergedUsr(root);
    await linkBusyboxApplets(root);
    for (const d of MOUNT_POINTS) await mkdir(join(root, d), { recursive: true });
    await writeGuestEtc(root);
    const python = await pythonLibDir(root);
    if (python) {
      await linkPython3(root, python);
      report("compileall", `byte-compiling the ${python} standard library`);
      await byteCompilePython(root, python, opts.signal);
    }
    await writeFile(join(tmp, META_FILE), `${JSON.stringify({ suite: request.suite, packages: include, versions }, null, 2)}\n`);
  }, { rebuild: opts.rebuild, onWait: (pid) => report("wait", `process ${pid} is building this layer`) }).catch((err: unknown) =>
    rethrowDiskFull(err, dirname(dir), `building the ${request.suite} base layer`));
  const meta = JSON.parse(readFileSync(join(dir, META_FILE), "utf8")) as { versions: Record<string, string> };
  return { root: join(dir, "root"), key, suite: request.suite, versions: meta.versions, cached: !built };
}

/** mmdebstrap's "Unable to locate package X" as a coded error naming the package and suite. */
function unknownPackage(err: unknown, suite: string): MvmError | undefined {
  const pkg = err instanceof Error ? /Unable to locate package (\S+)/.exec(err.message)?.[1] : undefined;
  if (!pkg) return undefined;
  return new MvmError("BUILD_UNKNOWN_ATTRIBUTE", `Debian ${suite} (from the host's mirror) has no package ${pkg}`, "check the package name in the image's packages", { cause: err });
}

/** Reads package versions from the kept .deb files (`name_version_arch.deb`, `%3a` for the epoch colon), then removes them. */
async function takeDebVersions(root: string): Promise<Record<string, string>> {
  const archives = join(root, "var/cache/apt/archives");
  const versions: Record<string, string> = {};
  for (const name of (await readdir(archives).catch(() => [] as string[])).sort()) {
    const m = /^([^_]+)_([^_]+)_[^_]+\.deb$/.exec(name);
    if (m?.[1] && m[2]) versions[m[1]] = decodeURIComponent(m[2]);
  }
  await rm(join(root, "var/cache/apt"), { recursive: true, force: true });
  await rm(join(root, "var/lib/apt/lists"), { recursive: true, force: true });
  return versions;
}

/** mmdebstrap unmounts on its own signals; this covers a kill that gave it no chance, before the tree is deleted. */
async function unmountUnder(root: string): Promise<void> {
  const mounts = existsSync("/proc/self/mounts") ? readFileSync("/proc/self/mounts", "utf8") : "";
  const under = mounts.split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m === root || m.startsWith(`${root}/`));
  for (const m of under.sort().reverse()) await runCommand("umount", ["-l", m]).catch(() => undefined);
}

/**
 * Since trixie, packages ship only under /usr and the top-level /bin, /lib, /lib64, /sbin links come from a
 * maintainer script, which the extract variant does not run: without /lib64 no ELF interpreter is found.
 * Trees whose packages still use the top-level directories (bookworm) keep them as they are.
 */
async function linkMergedUsr(root: string): Promise<void> {
  for (const dir of ["bin", "sbin", "lib", "lib64"]) {
    if (await lstat(join(root, dir)).then(() => true, () => false)) continue;
    await mkdir(join(root, "usr", dir), { recursive: true });
    await symlink(`usr/${dir}`, join(root, dir));
  }
}

/**
 * Links every busybox applet that the tree does not already provide. `busybox --list-full` includes
 * `busybox` itself; linking it blindly would replace the binary with a self-loop (RUNTIME-NOTES gotcha 11).
 */
export async function linkBusyboxApplets(root: string): Promise<number> {
  const busybox = ["usr/bin/busybox", "bin/busybox"].map((p) => join(root, p)).find((p) => existsSync(p));
  if (!busybox) throw new MvmError("BUILD_COMMAND_FAILED", `no busybox in ${root}`, "include busybox-static in the layer");
  const target = `/${posix.relative(root, busybox)}`;
  const applets = (await runCommand(busybox, ["--list-full"])).split("\n").map((l) => l.trim()).filter(Boolean);
  let linked = 0;
  for (const applet of applets) {
    if (posix.basename(applet) === "busybox") continue;
    const path = join(root, applet);
    if (await lstat(path).then(() => true, () => false)) continue;
    await mkdir(dirname(path), { recursive: true });
    await symlink(target, path);
    linked++;
  }
  return linked;
}

/** The python3.X directory under /usr/lib of a tree, if any. */
async function pythonLibDir(root: string): Promise<string | undefined> {
  const names = await readdir(join(root, "usr/lib")).catch(() => [] as string[]);
  return names.find((n) => /^python3\.\d+$/.test(n));
}

/** `python3.X` alone has no /usr/bin/python3 (that is the `python3` package's); runners and hooks call python3. */
async function linkPython3(root: string, lib: string): Promise<void> {
  const link = join(root, "usr/bin/python3");
  if (!(await lstat(link).then(() => true, () => false))) await symlink(lib, link);
}

/** Byte-compiles the stdlib inside the tree (chroot when root) so the guest, on a read-only root, never compiles it at import. */
async function byteCompilePython(root: string, lib: string, signal?: AbortSignal): Promise<void> {
  const args = ["-m", "compileall", "-q", "-j2"];
  if (process.getuid?.() === 0) {
    await runCommand("chroot", [root, `/usr/bin/${lib}`, ...args, `/usr/lib/${lib}`], { signal });
  } else if (await runCommand(lib, ["-c", ""]).then(() => true, () => false)) {
    // Same interpreter version on the host: compile in place, recording guest paths.
    await runCommand(lib, [...args, "-s", root, "-p", "/", join(root, "usr/lib", lib)], { signal });
  }
  // Otherwise (not root, and the host has another Python) the stdlib stays source-only: correct, slower first imports.
}
