// A cache directory of the test's own for snapshot templates, sharing everything else (kernel, layers, agent,
// SDK) with the machine's cache through symlinks: a test can prune and corrupt templates without touching the
// templates of other test runs on the same machine, and without building a kernel of its own.
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mvmCacheDir } from "@mvm/builder";

const SHARED = ["agent", "apt-index", "kernel", "layers", "sdk"];

/** Points MVM_CACHE_DIR at a fresh directory whose only unshared entry is `templates/`; returns its undo. */
export async function useOwnTemplateCache(): Promise<{ dir: string; restore(): Promise<void> }> {
  const shared = mvmCacheDir();
  const dir = await mkdtemp(join(tmpdir(), "mvm-tplcache-"));
  for (const entry of SHARED) {
    await mkdir(join(shared, entry), { recursive: true });
    await symlink(join(shared, entry), join(dir, entry));
  }
  const before = process.env.MVM_CACHE_DIR;
  process.env.MVM_CACHE_DIR = dir;
  return {
    dir,
    async restore() {
      if (before === undefined) delete process.env.MVM_CACHE_DIR;
      else process.env.MVM_CACHE_DIR = before;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
