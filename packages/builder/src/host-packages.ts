import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MvmError } from "@mvm/ir";
import { runCommand } from "./command.ts";
import type { ProgressFn } from "./progress.ts";

const execFileP = promisify(execFile);

/** What a host package is needed for; the second column of host-packages.txt (comma-separated). */
export type HostPackagePurpose = "vmm" | "kernel" | "image" | "test";

/** Path of the one list of host packages (also read by `.ci/run`). */
export const HOST_PACKAGES_FILE = new URL("../host-packages.txt", import.meta.url).pathname;

/** The Debian packages mvm needs, optionally only those for one purpose. */
export function hostPackages(purpose?: HostPackagePurpose): string[] {
  const rows = readFileSync(HOST_PACKAGES_FILE, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(/\s+/));
  return rows.filter(([, p]) => !purpose || (p ?? "").split(",").includes(purpose)).map(([name]) => name as string);
}

/** The packages among `names` that dpkg does not report as installed (one dpkg-query for all of them). */
export async function missingHostPackages(names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  // dpkg-query exits 1 when a name is unknown but still prints the rest; unknown ones are simply absent.
  const out = await execFileP("dpkg-query", ["-W", "-f=${Package} ${db:Status-Abbrev}\n", ...names]).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? "",
  );
  const installed = new Set(out.split("\n").filter((l) => / ii/.test(l)).map((l) => l.split(" ")[0]?.split(":")[0]));
  return names.filter((n) => !installed.has(n));
}

/**
 * Installs whichever of `names` are missing with apt-get (root only); a no-op when all are present. Called
 * at a command's boundary (`mvmctl kernel`, `build`, `up`), never from the leaf steps that use the tools.
 * Throws BUILD_HOST_PACKAGE_MISSING naming the packages when it cannot install them.
 */
export async function ensureHostPackages(names: readonly string[], progress?: ProgressFn): Promise<void> {
  const missing = await missingHostPackages(names);
  if (missing.length === 0) return;
  const install = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (process.getuid?.() !== 0) {
    throw new MvmError("BUILD_HOST_PACKAGE_MISSING", `host packages not installed: ${missing.join(", ")}`, `run: sudo ${install}`);
  }
  progress?.({ phase: "apt", message: `installing ${missing.join(" ")}` });
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const args = ["install", "-y", "--no-install-recommends", ...missing];
  try {
    await runCommand("apt-get", args, { env });
  } catch {
    // Fresh machines often have empty package lists; refresh once and retry.
    await runCommand("apt-get", ["update"], { env });
    await runCommand("apt-get", args, { env }).catch((err: unknown) => {
      throw new MvmError("BUILD_HOST_PACKAGE_MISSING", `apt-get could not install ${missing.join(", ")}`, `run: ${install}`, { cause: err });
    });
  }
}
