/**
 * The tree hash of a compile output's `source/`, by the recipe launch.json documents (LaunchSource in
 * @mvm/ir): for each entry in byte order of its `/`-separated path, `<f|x|l> <path>\0<sha256>\n`. Unlike
 * the compiler's walk, nothing is skipped: whatever was added to source/ after compile changes the hash.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

export interface HashedTree {
  hash: string;
  fileCount: number;
}

export async function sourceTreeHash(root: string): Promise<HashedTree> {
  const entries: { path: string; line: string }[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const name of await readdir(dir)) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const stat = await lstat(abs);
      if (stat.isDirectory()) {
        await walk(abs, path);
        continue;
      }
      const digest = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
      // A fifo or device was never produced by compile; "?" keeps it from matching any recorded hash.
      const [kind, contents] = stat.isSymbolicLink()
        ? ["l", await readlink(abs)]
        : stat.isFile() ? [stat.mode & 0o111 ? "x" : "f", await readFile(abs)] : ["?", ""];
      entries.push({ path, line: `${kind} ${path}\0${digest(contents)}\n` });
    }
  };
  await walk(root, "");
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const hash = createHash("sha256");
  for (const e of entries) hash.update(e.line, "utf8");
  return { hash: hash.digest("hex"), fileCount: entries.length };
}
