import { MvmError } from "@mvm/ir";

/**
 * The `key=value` strings of a kernel module's `.modinfo` ELF section. Debian's kernel .deb ships no
 * modules.dep, so `depends=` here is the only dependency record (RUNTIME-NOTES.md §2).
 */
export function readModinfo(ko: Buffer): Map<string, string[]> {
  const info = new Map<string, string[]>();
  if (ko.length < 64 || ko.readUInt32BE(0) !== 0x7f454c46 || ko[4] !== 2) return info;
  const shoff = Number(ko.readBigUInt64LE(0x28));
  const shentsize = ko.readUInt16LE(0x3a);
  const shnum = ko.readUInt16LE(0x3c);
  const shstrndx = ko.readUInt16LE(0x3e);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: ko.readUInt32LE(at), offset: Number(ko.readBigUInt64LE(at + 0x18)), size: Number(ko.readBigUInt64LE(at + 0x20)) };
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameStart = names.offset + s.name;
    const name = ko.subarray(nameStart, ko.indexOf(0, nameStart)).toString("latin1");
    if (name !== ".modinfo") continue;
    for (const entry of ko.subarray(s.offset, s.offset + s.size).toString("latin1").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq <= 0) continue;
      const key = entry.slice(0, eq);
      info.set(key, [...(info.get(key) ?? []), entry.slice(eq + 1)]);
    }
  }
  return info;
}

/** A module's dependencies from its modinfo (`depends=` is one comma-separated, possibly empty value). */
export function modinfoDepends(info: Map<string, string[]>): string[] {
  return (info.get("depends") ?? []).flatMap((d) => d.split(",")).filter(Boolean);
}

/** Module names are spelled with `-` or `_` interchangeably; the kernel treats them as the same. */
export function normalizeModuleName(name: string): string {
  return name.replaceAll("-", "_");
}

/**
 * The order to insmod `wanted` and everything they depend on: dependencies first, each module once,
 * ties in the order given. `deps` maps each available module to its dependencies; names in `builtin`
 * need no loading. Throws BUILD_MODULE_DEPS on a module that is neither available nor built in, or a cycle.
 */
export function moduleLoadOrder(wanted: readonly string[], deps: ReadonlyMap<string, readonly string[]>, builtin: ReadonlySet<string> = new Set()): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (raw: string, path: string[]) => {
    const name = normalizeModuleName(raw);
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      throw new MvmError("BUILD_MODULE_DEPS", `kernel modules depend on each other in a cycle: ${[...path, name].join(" -> ")}`, "use a kernel package whose modules are consistent");
    }
    const moduleDeps = deps.get(name);
    if (!moduleDeps) {
      if (builtin.has(name)) return;
      const via = path.length ? ` (needed by ${path.at(-1)})` : "";
      throw new MvmError("BUILD_MODULE_DEPS", `kernel module ${name}${via} is neither in the package nor built in`, "use a kernel package that has virtio support");
    }
    state.set(name, "visiting");
    for (const d of moduleDeps) visit(d, [...path, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const w of wanted) visit(w, []);
  return order;
}
