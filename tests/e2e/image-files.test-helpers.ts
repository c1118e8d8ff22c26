// Reads files out of a built ext4 image with debugfs (e2fsprogs): no mount, no root needed.
import { execFileSync } from "node:child_process";

export interface ImageEntry {
  name: string;
  /** The full mode, e.g. 0o100755 for an executable file, 0o40755 for a directory. */
  mode: number;
}

function debugfs(image: string, request: string): { stdout: string; stderr: string } {
  try {
    const stdout = execFileSync("debugfs", ["-R", request, image], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { stdout, stderr: "" };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** The entries of a directory in the image (without . and ..), or undefined when there is no such directory. */
export function imageDir(image: string, dir: string): ImageEntry[] | undefined {
  if (!imageHas(image, dir)) return undefined;
  return debugfs(image, `ls -p ${dir}`).stdout.split("\n").flatMap((line) => {
    const m = /^\/\d+\/([0-7]+)\/\d+\/\d+\/([^/]*)\//.exec(line);
    return m && m[2] !== "." && m[2] !== ".." ? [{ name: m[2] as string, mode: Number.parseInt(m[1] as string, 8) }] : [];
  });
}

export function imageHas(image: string, path: string): boolean {
  const r = execFileSync("debugfs", ["-R", `stat ${path}`, image], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return /Inode: \d+/.test(r);
}

export function imageFile(image: string, path: string): string {
  if (!imageHas(image, path)) throw new Error(`${path} is not in ${image}`);
  return debugfs(image, `cat ${path}`).stdout;
}

/** `{ type, mode }` of a path (symlinks in its directories followed), e.g. `{ type: "regular", mode: 0o755 }`. */
export function imageMode(image: string, path: string): { type: string; mode: number } | undefined {
  const m = /Type: (\w+)\s+Mode:\s+([0-7]+)/.exec(debugfs(image, `stat ${path}`).stdout);
  return m ? { type: m[1] as string, mode: Number.parseInt(m[2] as string, 8) } : undefined;
}
