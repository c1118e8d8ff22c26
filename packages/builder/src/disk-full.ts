import { MvmError } from "@mvm/ir";

/** True for an out-of-space failure, whether Node's own (ENOSPC) or a host command's ("No space left on device"). */
export function isDiskFull(err: unknown): boolean {
  if ((err as NodeJS.ErrnoException | undefined)?.code === "ENOSPC") return true;
  return err instanceof Error && /No space left on device|ENOSPC/.test(err.message);
}

/** Rethrows an out-of-space failure as BUILD_DISK_FULL naming the directory that filled up; other errors pass through. */
export function rethrowDiskFull(err: unknown, dir: string, what: string): never {
  if (err instanceof MvmError && err.code === "BUILD_DISK_FULL") throw err;
  if (isDiskFull(err)) {
    throw new MvmError("BUILD_DISK_FULL", `the disk holding ${dir} filled up while ${what}`,
      `free space there (df -h ${dir}), or point MVM_HOME / MVM_CACHE_DIR at a larger disk, then build again`, { cause: err });
  }
  throw err;
}
