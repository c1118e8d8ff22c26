import { MvmError } from "@mvm/ir";
import type { ProgressFn } from "../progress.ts";

export interface DebianCloudKernel {
  vmlinux: string;
  initrd: string;
}

export async function ensureDebianCloudKernel(_progress?: ProgressFn): Promise<DebianCloudKernel> {
  throw new MvmError("BUILD_HOST_PACKAGE_MISSING", "the Debian cloud kernel fallback is not implemented yet", "install gcc and make");
}
