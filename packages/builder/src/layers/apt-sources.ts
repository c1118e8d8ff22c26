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

/**
 * The host sources that serve one Debian release (`bookworm`, `bookworm-updates`, `bookworm-security`),
 * as one-line `deb` entries for mmdebstrap. Throws BUILD_APT_SOURCES when the host has none.
 */
export function debianMirrorLines(codename: string, sources: readonly AptSource[]): string[] {
  const lines: string[] = [];
  for (const s of sources) {
    const suites = s.suites.filter((suite) => suite === codename || suite.startsWith(`${codename}-`));
    for (const suite of suites) {
      const opts = s.signedBy && !s.signedBy.includes("\n") ? `[signed-by=${s.signedBy}] ` : "";
      lines.push(`deb ${opts}${s.uri} ${suite} ${s.components.join(" ") || "main"}`);
    }
  }
  if (!lines.some((l) => l.split(" ").includes(codename))) {
    throw new MvmError(
      "BUILD_APT_SOURCES",
      `the host's apt configuration has no enabled deb source for ${codename} (read /etc/apt/sources.list and /etc/apt/sources.list.d)`,
      `add a Debian ${codename} mirror to /etc/apt/sources.list.d/, then run apt-get update`,
    );
  }
  return lines;
}

/** The host's Debian codename from /etc/os-release (e.g. bookworm). */
export function hostDebianCodename(osRelease = readFileSync("/etc/os-release", "utf8")): string {
  const codename = /^VERSION_CODENAME=("?)([a-z]+)\1$/m.exec(osRelease)?.[2];
  if (!codename) throw new MvmError("BUILD_APT_SOURCES", "no VERSION_CODENAME in /etc/os-release", "run on Debian or set up the base layer by hand");
  return codename;
}
