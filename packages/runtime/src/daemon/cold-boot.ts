/**
 * A cold boot: QEMU boots the image's kernel, the agent waits for this instance's `configure`, runs
 * before_start, starts the runner and polls after_start; the instance is READY when the agent says so.
 */
import { MvmError } from "@mvm/ir";
import type { InstanceContext, Instance } from "./instance.ts";
import type { StartTimings } from "./state.ts";
import { startTimings } from "./timings.ts";

export async function coldBoot(ctx: InstanceContext, instance: Instance, giveUpAt: number, coldReason: string | undefined): Promise<StartTimings> {
  const spawnedAt = Date.now();
  const vm = await ctx.backend.start(instance.vmSpec());
  const monitorAt = Date.now();
  if (instance.isStopping) {
    // `down` came while QEMU was spawning, before there was a VM to stop: stop it now.
    await vm.stop({ quitDeadlineMs: 2_000 });
    throw new MvmError("RUN_STOPPED", "brought down while starting");
  }
  const link = instance.attachVm(vm);
  await instance.setState({ kind: "starting" }, vm.pid);
  const readyTimeoutMs = giveUpAt - spawnedAt;
  const timedOut = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new MvmError("RUN_TIMEOUT", `it did not become READY within ${Math.round(readyTimeoutMs / 1000)} s`,
      "raise --ready-timeout, or look at the console below for the phase that hangs")), Math.max(1, giveUpAt - Date.now()));
    void instance.ended.then(() => clearTimeout(timer));
    void instance.ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
  });
  timedOut.catch(() => undefined);
  await Promise.race([link.connect(Math.max(1, giveUpAt - Date.now())), timedOut, instance.ready.then(() => undefined)]);
  const info = await Promise.race([instance.ready, timedOut]);
  return { ...startTimings(spawnedAt, monitorAt, Date.now(), info), ...(coldReason ? { cold_reason: coldReason } : {}) };
}
