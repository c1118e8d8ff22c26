import { spawn } from "node:child_process";
import { MvmError } from "@mvm/ir";
import { isElf } from "./pvh-note.ts";

/** Magic numbers of the compressed payloads Debian's bzImages carry, and the tool that inflates each. */
const PAYLOADS = [
  { format: "lz4", magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), argv: ["lz4", "-dc"] }, // cloud kernel (legacy lz4 frame)
  { format: "xz", magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), argv: ["xz", "-dc"] }, // generic kernel
] as const;

/** Every offset of `magic` in `buf`. */
export function findMagic(buf: Buffer, magic: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = buf.indexOf(magic); at >= 0; at = buf.indexOf(magic, at + 1)) offsets.push(at);
  return offsets;
}

/** Runs a decompressor over `input` and returns whatever it wrote, even if it then complains about trailing bytes. */
function inflate(argv: readonly string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
    const out: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.on("error", () => resolve(Buffer.alloc(0)));
    child.on("close", () => resolve(Buffer.concat(out)));
    child.stdin.on("error", () => undefined); // the tool may stop reading at the end of its frame
    child.stdin.end(input);
  });
}

/**
 * The uncompressed vmlinux inside a bzImage: tries each lz4/xz magic in turn and keeps the first
 * output that is an ELF file. Booting that directly through its PVH note skips the in-guest
 * decompression, which costs seconds under TCG (RUNTIME-NOTES.md §2).
 */
export async function extractVmlinux(vmlinuz: Buffer): Promise<Buffer> {
  for (const payload of PAYLOADS) {
    for (const offset of findMagic(vmlinuz, payload.magic)) {
      const elf = await inflate(payload.argv, vmlinuz.subarray(offset));
      if (isElf(elf)) return elf;
    }
  }
  throw new MvmError("BUILD_PAYLOAD_NOT_FOUND", "no lz4 or xz payload in the vmlinuz decompressed to an ELF vmlinux", "use a Debian linux-image package, or set MVM_KERNEL to a vmlinux");
}
