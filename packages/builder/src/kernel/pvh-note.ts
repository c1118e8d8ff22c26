/** XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry point QEMU's `-kernel` uses to boot an uncompressed vmlinux. */
const XEN_ELFNOTE_PHYS32_ENTRY = 18;
const PT_NOTE = 4;

/** True when `elf` starts with the ELF magic. */
export function isElf(elf: Buffer): boolean {
  return elf.length >= 4 && elf[0] === 0x7f && elf.subarray(1, 4).toString("latin1") === "ELF";
}

/**
 * True when a 64-bit little-endian ELF carries the Xen PVH entry note, i.e. QEMU can boot it directly
 * as `-kernel vmlinux` (skipping the in-guest decompression that costs seconds under TCG).
 */
export function hasPvhNote(elf: Buffer): boolean {
  if (!isElf(elf) || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > elf.length || elf.readUInt32LE(ph) !== PT_NOTE) continue;
    const start = Number(elf.readBigUInt64LE(ph + 8));
    const end = Math.min(elf.length, start + Number(elf.readBigUInt64LE(ph + 32)));
    for (let off = start; off + 12 <= end; ) {
      const namesz = elf.readUInt32LE(off);
      const descsz = elf.readUInt32LE(off + 4);
      const type = elf.readUInt32LE(off + 8);
      const name = elf.subarray(off + 12, off + 12 + namesz).toString("latin1").replace(/\0+$/, "");
      if (name === "Xen" && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      off += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
