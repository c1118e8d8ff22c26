import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MvmError } from "@mvm/ir";
import { buildOnce, contentKey, mvmCacheDir } from "../cache.ts";
import { runCommand } from "../command.ts";
import type { ProgressFn } from "../progress.ts";
import { describeDropped, KERNEL_FRAGMENT_FILE, readKernelFragment, verifyKernelConfig } from "./fragment.ts";
import { hasPvhNote } from "./pvh-note.ts";

const execFileP = promisify(execFile);

export const KERNEL_SOURCE_PACKAGE = "linux-source-6.1";
const KERNEL_SOURCE_TARBALL = "/usr/src/linux-source-6.1.tar.xz";

/** Where the mvm kernel for this source version and fragment lives (or will live) in the cache. */
export interface MvmKernelEntry {
  key: string;
  dir: string;
  vmlinux: string;
  sourceVersion: string;
}

/** The installed linux-source package version, or null when it is not installed. */
export async function kernelSourceVersion(): Promise<string | null> {
  const r = await execFileP("dpkg-query", ["-W", "-f=${Version}", KERNEL_SOURCE_PACKAGE]).catch(() => null);
  return r?.stdout.trim() || null;
}

/** The cache entry for a source version: key = sha256(source package version, fragment bytes). */
export function mvmKernelEntry(sourceVersion: string, fragment: Buffer = readKernelFragment()): MvmKernelEntry {
  const key = contentKey("mvm-kernel", sourceVersion, fragment);
  const dir = join(mvmCacheDir(), "kernel", key);
  return { key, dir, vmlinux: join(dir, "vmlinux"), sourceVersion };
}

/**
 * Returns the cached mvm kernel, building it first when absent (the caller installs the build packages,
 * `hostPackages("kernel")`): unpacks Debian's linux-source, `make tinyconfig` + our fragment + `olddefconfig`, verifies every
 * fragment option survived, builds `vmlinux` (~170 s on 2 cores) and publishes the stripped PVH
 * vmlinux atomically. Concurrent callers share one build through a lock.
 */
export async function ensureMvmKernel(progress?: ProgressFn): Promise<MvmKernelEntry> {
  const version = await kernelSourceVersion();
  if (!version || !existsSync(KERNEL_SOURCE_TARBALL)) {
    throw new MvmError("BUILD_HOST_PACKAGE_MISSING", `${KERNEL_SOURCE_TARBALL} not found`, `run: sudo apt-get install ${KERNEL_SOURCE_PACKAGE}`);
  }
  const fragment = readKernelFragment();
  const entry = mvmKernelEntry(version, fragment);
  const started = Date.now();
  const report = (phase: string, message?: string) => progress?.({ phase, message, elapsedMs: Date.now() - started });
  await buildOnce(entry.dir, (out) => buildInto(out, fragment, report), {
    onWait: (pid) => report("wait", `another process (${pid}) is building this kernel`),
  });
  return entry;
}

async function buildInto(outDir: string, fragment: Buffer, report: (phase: string, message?: string) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "mvm-kernel-"));
  try {
    report("extract", KERNEL_SOURCE_TARBALL);
    await runCommand("tar", ["-xf", KERNEL_SOURCE_TARBALL, "-C", work]);
    const src = join(work, "linux-source-6.1");
    const fragmentPath = join(work, "mvm.config");
    await writeFile(fragmentPath, fragment);
    report("configure", "tinyconfig + mvm.config + olddefconfig");
    await runCommand("make", ["tinyconfig"], { cwd: src });
    await runCommand("scripts/kconfig/merge_config.sh", ["-m", ".config", fragmentPath], { cwd: src });
    await runCommand("make", ["olddefconfig"], { cwd: src });
    const config = await readFile(join(src, ".config"), "utf8");
    const dropped = verifyKernelConfig(fragment.toString("utf8"), config);
    if (dropped.length > 0) {
      throw new MvmError(
        "BUILD_KERNEL_CONFIG_DROPPED",
        `${dropped.length} option(s) of ${KERNEL_FRAGMENT_FILE} did not survive make olddefconfig:\n${describeDropped(dropped)}`,
        "add the options they depend on to the fragment (see the Kconfig 'depends on' lines), or drop them",
      );
    }
    const jobs = availableParallelism();
    report("make vmlinux", `-j${jobs}, about 3 minutes on 2 cores`);
    let lastReport = 0;
    await runCommand("make", [`-j${jobs}`, "vmlinux"], {
      cwd: src,
      onLine: (line) => {
        if (Date.now() - lastReport < 2000) return;
        lastReport = Date.now();
        report("make vmlinux", line.trim());
      },
    });
    report("publish");
    const vmlinux = join(outDir, "vmlinux");
    await runCommand("strip", ["-o", vmlinux, join(src, "vmlinux")]);
    if (!hasPvhNote(await readFile(vmlinux))) {
      throw new MvmError("BUILD_KERNEL_INVALID", `the built ${vmlinux} has no PVH entry note`, "check that CONFIG_PVH=y survived the config merge");
    }
    await copyFile(join(src, ".config"), join(outDir, "config"));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
