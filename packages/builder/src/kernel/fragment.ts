import { readFileSync } from "node:fs";

/** The mvm kernel config fragment, merged onto `make tinyconfig` (RUNTIME-NOTES.md Appendix C). */
export const KERNEL_FRAGMENT_FILE = new URL("../../kernel/mvm.config", import.meta.url).pathname;

export function readKernelFragment(): Buffer {
  return readFileSync(KERNEL_FRAGMENT_FILE);
}

/** One line of a Kconfig fragment: `CONFIG_X=value`, or `null` for "is not set" / `=n`. */
export interface FragmentOption {
  name: string;
  value: string | null;
}

/** Parses `CONFIG_X=v`, `CONFIG_X=n` and `# CONFIG_X is not set` lines; other comments are skipped. */
export function parseKconfig(text: string): Map<string, string | null> {
  const options = new Map<string, string | null>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset?.[1]) {
      options.set(unset[1], null);
      continue;
    }
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (set?.[1] && set[2] !== undefined) options.set(set[1], set[2] === "n" ? null : set[2]);
  }
  return options;
}

/** A fragment option that `make olddefconfig` changed: what we asked for and what the config holds. */
export interface DroppedOption {
  name: string;
  wanted: string | null;
  got: string | null;
}

/**
 * Compares a fragment with the final `.config`: a set option must keep exactly its value (`=y` stays
 * `=y`, `NR_CPUS=8` stays 8); an unset (`=n`) option must be absent or "is not set". Returns the misses.
 */
export function verifyKernelConfig(fragment: string, finalConfig: string): DroppedOption[] {
  const wanted = parseKconfig(fragment);
  const got = parseKconfig(finalConfig);
  const dropped: DroppedOption[] = [];
  for (const [name, value] of wanted) {
    const actual = got.get(name) ?? null;
    if (actual !== value) dropped.push({ name, wanted: value, got: actual });
  }
  return dropped;
}

/** `CONFIG_X (wanted y, got unset)` lines for an error message. */
export function describeDropped(dropped: readonly DroppedOption[]): string {
  const show = (v: string | null) => (v === null ? "unset" : v);
  return dropped.map((d) => `  ${d.name}: wanted ${show(d.wanted)}, got ${show(d.got)}`).join("\n");
}
