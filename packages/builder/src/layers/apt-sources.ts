import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";

/** One `deb` source from the host's apt configuration. */
export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  signedBy?: string;
}

/** Parses deb822 `.sources` text: stanzas separated by blank lines; only enabled `deb` stanzas. */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = "";
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#") || !line.trim()) continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ""}\n${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (!m?.[1]) continue;
      last = m[1].toLowerCase();
      fields.set(last, m[2] ?? "");
    }
    const words = (k: string) => (fields.get(k) ?? "").split(/\s+/).filter(Boolean);
    if (!words("types").includes("deb") || fields.get("enabled")?.trim() === "no") continue;
    for (const uri of words("uris")) {
      sources.push({ uri, suites: words("suites"), components: words("components"), signedBy: fields.get("signed-by")?.trim() || undefined });
    }
  }
  return sources;
}

/** Parses one-line `sources.list` text: `deb [opts] URI SUITE COMPONENT...`. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m?.[2] || !m[3]) continue;
    const signedBy = /signed-by=(\S+)/.exec(m[1] ?? "")?.[1];
    sources.push({ uri: m[2], suites: [m[3]], components: (m[4] ?? "").split(/\s+/).filter(Boolean), signedBy });
  }
  return sources;
}

/** Every enabled `deb` source of the host: `/etc/apt/sources.list` and `/etc/apt/sources.list.d/*.{list,sources}`. */
export function readHostAptSources(etcApt = "/etc/apt"): AptSource[] {
  const sources: AptSource[] = [];
  const list = join(etcApt, "sources.list");
  if (existsSync(list)) sources.push(...parseOneLineSources(readFileSync(list, "utf8")));
  const dir = join(etcApt, "sources.list.d");
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const text = () => readFileSync(join(dir, name), "utf8");
      if (name.endsWith(".sources")) sources.push(...parseDeb822Sources(text()));
      else if (name.endsWith(".list")) sources.push(...parseOneLineSources(text()));
    }
  }
  return sources;
}

/** How a suite is served: a released suite has `-updates` and `-security` beside it; `sid` has neither. */
export interface SuiteChoice {
  suite: string;
  released: boolean;
}

/**
 * One-line `deb` entries for mmdebstrap that fetch `target` from the host's own Debian mirror: the sources
 * that serve the host's release (`bookworm`, `bookworm-updates` → the archive; `bookworm-security` → the
 * security archive) pointed at the target suite instead, with the same components and keyring. The suite
 * is chosen per image; only the mirror comes from the host. Throws BUILD_APT_SOURCES when the host has no
 * source for its own release to borrow.
 */
export function debianSuiteMirrorLines(target: SuiteChoice, sources: readonly AptSource[], hostCodename: string): string[] {
  const archive: AptSource[] = [];
  const security: AptSource[] = [];
  for (const s of sources) {
    if (s.suites.some((suite) => suite === `${hostCodename}-security` || suite === `${hostCodename}/updates`)) security.push(s);
    else if (s.suites.some((suite) => suite === hostCodename || suite === `${hostCodename}-updates`)) archive.push(s);
  }
  if (archive.length === 0) {
    throw new MvmError(
      "BUILD_APT_SOURCES",
      `the host's apt configuration has no enabled deb source for ${hostCodename}, so there is no Debian mirror to build ${target.suite} images from (read /etc/apt/sources.list and /etc/apt/sources.list.d)`,
      `add your Debian mirror for ${hostCodename} to /etc/apt/sources.list.d/, then run apt-get update`,
    );
  }
  const line = (s: AptSource, suite: string) => {
    const opts = s.signedBy && !s.signedBy.includes("\n") ? `[signed-by=${s.signedBy}] ` : "";
    return `deb ${opts}${s.uri} ${suite} ${s.components.join(" ") || "main"}`;
  };
  const lines: string[] = [];
  for (const s of unique(archive)) {
    lines.push(line(s, target.suite));
    if (target.released) lines.push(line(s, `${target.suite}-updates`));
  }
  if (target.released) for (const s of unique(security)) lines.push(line(s, `${target.suite}-security`));
  return lines;
}

/** One entry per URI: a deb822 stanza with two suites is one mirror, not two. */
function unique(sources: readonly AptSource[]): AptSource[] {
  const seen = new Map<string, AptSource>();
  for (const s of sources) if (!seen.has(s.uri)) seen.set(s.uri, s);
  return [...seen.values()];
}

/** The host's Debian codename from /etc/os-release (e.g. bookworm). */
export function hostDebianCodename(osRelease = readFileSync("/etc/os-release", "utf8")): string {
  const codename = /^VERSION_CODENAME=("?)([a-z]+)\1$/m.exec(osRelease)?.[2];
  if (!codename) throw new MvmError("BUILD_APT_SOURCES", "no VERSION_CODENAME in /etc/os-release", "run on Debian or set up the base layer by hand");
  return codename;
}
