import { MvmError } from "@mvm/ir";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const GUEST_DIR = fileURLToPath(new URL("../../../../guest/", import.meta.url));
const AGENT_SOURCE_DIR = join(GUEST_DIR, "agent");

/** The exact compiler flags; part of the cache key, so changing them rebuilds. */
export const AGENT_CFLAGS = ["-std=c11", "-O2", "-static", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE"];

function cacheDir(): string {
  return process.env.MVM_CACHE_DIR || join(homedir(), ".cache", "mvm");
}

/** sha256 over the agent's C sources and headers (sorted by name) and the compiler flags. */
export function agentSourceHash(): string {
  const hash = createHash("sha256").update(AGENT_CFLAGS.join(" "));
  for (const name of readdirSync(AGENT_SOURCE_DIR).filter((n) => /\.[ch]$/.test(n)).sort()) {
    hash.update(`\0${name}\0`).update(readFileSync(join(AGENT_SOURCE_DIR, name)));
  }
  return hash.digest("hex");
}

/**
 * Returns the path of the static mvm-agent binary, compiling it with the host `cc` on first use. Cached at
 * `$MVM_CACHE_DIR/agent/<source hash>/mvm-agent`; the rename makes concurrent builds safe.
 */
export async function ensureAgentBinary(): Promise<string> {
  const dir = join(cacheDir(), "agent", agentSourceHash());
  const binary = join(dir, "mvm-agent");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(AGENT_SOURCE_DIR).filter((n) => n.endsWith(".c")).sort().map((n) => join(AGENT_SOURCE_DIR, n));
  const tmp = `${binary}.tmp-${process.pid}`;
  try {
    await run(process.env.CC || "cc", [...AGENT_CFLAGS, ...sources, "-o", tmp]);
  } catch (err) {
    const stderr = err instanceof Error && "stderr" in err ? String(err.stderr) : String(err);
    throw new MvmError("RUN_AGENT_BUILD_FAILED", `cc could not build mvm-agent:\n${stderr.slice(0, 4000)}`,
      "install a C compiler with static glibc (apt-get install gcc libc6-dev), or set CC", { cause: err });
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, binary);
  return binary;
}

/** Absolute paths of the runner sources in this checkout, to copy into an image at GUEST_RUNNER_PATHS. */
export function runnerSourcePaths(): { python: string; node: string } {
  return { python: join(GUEST_DIR, "runners", "python", "runner.py"), node: join(GUEST_DIR, "runners", "node", "runner.mjs") };
}
