import { readFile, writeFile } from "node:fs/promises";

/** One member of a newc cpio archive (the initramfs format the kernel unpacks). */
export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "file"; path: string; data: Buffer; mode?: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "chardev"; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

/** Encodes entries as an uncompressed newc ("070701") cpio archive; paths are relative to `/`. */
export function encodeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const member = (name: string, mode: number, data: Buffer, rdev: [number, number] = [0, 0]) => {
    const fields = [ino++, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdev[0], rdev[1], Buffer.byteLength(name) + 1, 0];
    const header = `070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`;
    const head = Buffer.concat([Buffer.from(header, "latin1"), Buffer.from(`${name}\0`, "utf8")]);
    parts.push(head, pad4(head.length), data, pad4(data.length));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, "");
    switch (e.kind) {
      case "dir":
        member(name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0));
        break;
      case "file":
        member(name, S_IFREG | (e.mode ?? 0o644), e.data);
        break;
      case "symlink":
        member(name, S_IFLNK | 0o777, Buffer.from(e.target, "utf8"));
        break;
      case "chardev":
        member(name, S_IFCHR | (e.mode ?? 0o600), Buffer.alloc(0), [e.major, e.minor]);
        break;
    }
  }
  member("TRAILER!!!", 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/** Where Debian's busybox-static puts its binary. */
export const HOST_BUSYBOX = "/bin/busybox";

/**
 * Writes an initramfs holding static busybox as `/bin/sh`, `/dev/console` (without it init has no
 * stdout) and `/init` = `initScript`, plus any extra entries.
 */
export async function writeBusyboxInitramfs(outFile: string, initScript: string, extra: readonly CpioEntry[] = []): Promise<void> {
  const entries: CpioEntry[] = [
    { kind: "dir", path: "bin" },
    { kind: "file", path: "bin/busybox", data: await readFile(HOST_BUSYBOX), mode: 0o755 },
    { kind: "symlink", path: "bin/sh", target: "busybox" },
    { kind: "dir", path: "dev" },
    { kind: "chardev", path: "dev/console", major: 5, minor: 1 },
    { kind: "dir", path: "proc" },
    { kind: "dir", path: "sys" },
    { kind: "dir", path: "tmp", mode: 0o1777 },
    { kind: "file", path: "init", data: Buffer.from(initScript), mode: 0o755 },
    ...extra,
  ];
  await writeFile(outFile, encodeCpio(entries));
}
