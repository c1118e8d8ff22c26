import { chmod, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_SOURCE_DIR } from "@mvm/guest";
import { MvmError } from "@mvm/ir";
import { buildOnce, contentKey, mvmCacheDir } from "../cache.ts";
import { runCommand } from "../command.ts";

/** The exact compiler flags; part of the cache key, so changing them rebuilds. */
export const AGENT_CFLAGS = ["-std=c11", "-O2", "-static", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE"];

export interface AgentBinary {
  path: string;
  /** sha256 over the sources, headers, flags and compiler; what an image manifest records. */
  hash: string;
}

async function agentSources(): Promise<string[]> {
  return (await readdir(AGENT_SOURCE_DIR)).filter((n) => /\.[ch]$/.test(n)).sort();
}

/** The cache key of an agent build: every C source and header (sorted by name), the flags and the compiler. */
export async function agentSourceHash(cflags: readonly string[] = AGENT_CFLAGS): Promise<string> {
  const parts: (string | Buffer)[] = ["mvm-agent", process.env.CC || "cc", cflags.join(" ")];
  for (const name of await agentSources()) parts.push(name, await readFile(join(AGENT_SOURCE_DIR, name)));
  return contentKey(...parts);
}

/**
 * Returns the static mvm-agent binary, compiling it with the host `cc` on first use. Cached at
 * `$MVM_CACHE_DIR/agent/<source hash>/mvm-agent`, built once across processes.
 * `cflags` and `name` exist for the sanitizer build the conformance suite also runs.
 */
export async function ensureAgentBinary(options: { cflags?: readonly string[]; name?: string } = {}): Promise<AgentBinary> {
  const cflags = options.cflags ?? AGENT_CFLAGS;
  const hash = await agentSourceHash(cflags);
  const dir = join(mvmCacheDir(), "agent", hash);
  const name = options.name ?? "mvm-agent";
  await buildOnce(dir, async (tmp) => {
    const sources = (await agentSources()).filter((n) => n.endsWith(".c")).map((n) => join(AGENT_SOURCE_DIR, n));
    const out = join(tmp, name);
    await runCommand(process.env.CC || "cc", [...cflags, ...sources, "-o", out]).catch((err: unknown) => {
      throw new MvmError("BUILD_AGENT_FAILED", `cc could not build ${name}:\n${err instanceof Error ? err.message.slice(0, 4000) : String(err)}`,
        "install a C compiler with static glibc (apt-get install gcc libc6-dev), or set CC", { cause: err });
    });
    await chmod(out, 0o755);
  });
  return { path: join(dir, name), hash };
}
