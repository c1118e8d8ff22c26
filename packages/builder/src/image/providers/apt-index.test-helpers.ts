// Test helper: which packages a Debian suite offers, read from the host's own mirror with a private apt
// state directory (nothing of the host's apt state is touched). Fetched once a day into the shared cache.
import { existsSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { contentKey, mvmCacheDir } from "../../cache.ts";
import { runCommand } from "../../command.ts";
import { debianSuiteMirrorLines, hostDebianCodename, readHostAptSources } from "../../layers/apt-sources.ts";
import { suiteInfo } from "./debian-suites.ts";

const MAX_AGE_MS = 24 * 3600 * 1000;
const fetched = new Map<string, Promise<string[]>>();

async function aptOptions(suite: string): Promise<string[]> {
  const lines = debianSuiteMirrorLines(suiteInfo(suite), readHostAptSources(), hostDebianCodename());
  const dir = join(mvmCacheDir(), "apt-index", contentKey("apt-index", "1", lines.join("\n")));
  const options = [
    "-o", `Dir::Etc=${join(dir, "etc")}`, "-o", `Dir::State=${join(dir, "state")}`, "-o", `Dir::State::status=${join(dir, "state", "status")}`,
    "-o", `Dir::Cache=${join(dir, "cache")}`, "-o", "APT::Architecture=amd64", "-o", "Debug::NoLocking=1",
  ];
  const stamp = join(dir, "updated");
  if (!existsSync(stamp) || Date.now() - statSync(stamp).mtimeMs > MAX_AGE_MS) {
    for (const d of ["etc/apt/sources.list.d", "etc/apt/preferences.d", "state/lists/partial", "cache/archives/partial"]) await mkdir(join(dir, d), { recursive: true });
    await writeFile(join(dir, "etc", "sources.list"), `${lines.join("\n")}\n`);
    await writeFile(join(dir, "state", "status"), "");
    await runCommand("apt-get", [...options, "-o", `Dir::Etc::sourcelist=${join(dir, "etc", "sources.list")}`, "-q", "update"]);
    await writeFile(stamp, "");
  }
  return [...options, "-o", `Dir::Etc::sourcelist=${join(dir, "etc", "sources.list")}`];
}

/** The candidate version of each of `names` in `suite` (undefined: the suite has no such real package). */
export async function suiteCandidates(suite: string, names: readonly string[]): Promise<Map<string, string | undefined>> {
  let options = fetched.get(suite);
  if (!options) {
    options = aptOptions(suite);
    fetched.set(suite, options);
  }
  const out = await runCommand("apt-cache", [...(await options), "policy", ...names]);
  const found = new Map<string, string | undefined>(names.map((n) => [n, undefined]));
  let current: string | undefined;
  for (const line of out.split("\n")) {
    const head = /^(\S+):$/.exec(line);
    if (head) current = head[1];
    const candidate = /^\s+Candidate: (\S+)$/.exec(line)?.[1];
    if (current && candidate && candidate !== "(none)" && found.has(current)) found.set(current, candidate);
  }
  return found;
}
