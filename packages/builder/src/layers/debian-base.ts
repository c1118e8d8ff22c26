import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, symlink } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { MvmError } from "@mvm/ir";
import { buildOnce, contentKey, mvmCacheDir } from "../cache.ts";
import { runCommand } from "../command.ts";
import type { ProgressFn } from "../progress.ts";
import { debianMirrorLines, hostDebianCodename, readHostAptSources } from "./apt-sources.ts";

/** Bump when the recipe below changes in a way its inputs do not show. */
const RECIPE_VERSION = "1";

/** Every image carries busybox (so hooks written like the seed's work) and curl (the after_start probe). */
export const BASE_PACKAGES = ["busybox-static", "curl"] as const;

export interface DebianBaseLayer {
  /** The root tree; read-only by convention (copy it before adding files). */
  root: string;
  key: string;
  codename: string;
}

/** Mount points the guest agent needs on a read-only root. */
const MOUNT_POINTS = ["proc", "sys", "dev", "tmp", "run", "root", "app"];

/**
 * A Debian root tree with `packages` (plus busybox-static and curl) and their dependencies, made with
 * `mmdebstrap --variant=extract` from the host's own apt sources (no maintainer scripts run, so python
 * is byte-compiled and busybox applets linked afterwards). Cached under the cache dir by its inputs.
 */
export async function ensureDebianBaseLayer(packages: readonly string[], progress?: ProgressFn): Promise<DebianBaseLayer> {
  const codename = hostDebianCodename();
  const mirrors = debianMirrorLines(codename, readHostAptSources());
  const include = [...new Set([...packages, ...BASE_PACKAGES])].sort();
  const key = contentKey("debian-base", RECIPE_VERSION, codename, mirrors.join("\n"), include.join(","));
  const dir = join(mvmCacheDir(), "layers", "debian-base", key);
  const started = Date.now();
  const report = (phase: string, message?: string) => progress?.({ phase, message, elapsedMs: Date.now() - started });
  await buildOnce(dir, async (tmp) => {
    const root = join(tmp, "root");
    report("mmdebstrap", `${codename}: ${include.join(" ")}`);
    await runCommand("mmdebstrap", [
      "--variant=extract",
      `--include=${include.join(",")}`,
      "--dpkgopt=path-exclude=/usr/share/man/*",
      "--dpkgopt=path-exclude=/usr/share/doc/*",
      "--dpkgopt=path-exclude=/usr/share/locale/*",
      codename, root, ...mirrors,
    ]);
    await linkBusyboxApplets(root);
    for (const d of MOUNT_POINTS) await mkdir(join(root, d), { recursive: true });
    if (existsSync(join(root, "usr/bin/python3"))) {
      report("compileall", "byte-compiling the Python standard library");
      await byteCompilePython(root);
    }
  }, { onWait: (pid) => report("wait", `process ${pid} is building this layer`) });
  return { root: join(dir, "root"), key, codename };
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

/** Byte-compiles the stdlib inside the tree (chroot when root) so the guest never writes .pyc files. */
async function byteCompilePython(root: string): Promise<void> {
  const lib = await pythonLibDir(root);
  if (!lib) return;
  if (process.getuid?.() === 0) {
    await runCommand("chroot", [root, `/usr/bin/${lib}`, "-m", "compileall", "-q", "-j2", `/usr/lib/${lib}`]);
  } else {
    // Same interpreter version on the host (same Debian release): compile in place, recording guest paths.
    await runCommand(lib, ["-m", "compileall", "-q", "-j2", "-s", root, "-p", "/", join(root, "usr/lib", lib)]);
  }
}
