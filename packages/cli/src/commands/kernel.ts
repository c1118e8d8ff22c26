import { ensureHostPackages, hostPackages, resolveGuestKernel } from "@mvm/builder";
import { progressLine } from "../progress-line.ts";

export interface KernelFlags {
  json?: boolean;
}

/**
 * Finds or obtains the guest kernel — MVM_KERNEL, the cache, a build from Debian's linux-source-6.1
 * (minutes, once per machine), or Debian's cloud kernel — and prints its path.
 */
export async function kernelCommand(flags: KernelFlags): Promise<void> {
  const progress = progressLine("kernel");
  const kernel = await ensureHostPackages(hostPackages("kernel"), progress.update)
    .then(() => resolveGuestKernel(progress.update))
    .finally(progress.done);
  process.stdout.write(flags.json ? `${JSON.stringify(kernel)}\n` : `${kernel.vmlinux}\n`);
}
