/**
 * Re-adoption when a daemon starts: every record under instances/ is read; a VM that still runs (its pid,
 * checked against its unique control socket — or, if the dead daemon never wrote the pid, found by that
 * socket) is taken over — QMP and the agent channel reconnected, `hello` again — and a VM that is gone
 * marks its instance dead. Calls that were in flight died with the old daemon; nothing is re-sent.
 */
import { findProcessByArg, isProcessAlive } from "@mvm/vmm";
import { Instance, type InstanceContext } from "./instance.ts";
import { listInstanceNames, readInstanceRecord, removeInstanceFiles } from "./store.ts";

const FIRST_CONNECT_MS = 15_000;
const DOWN_TIMEOUT_MS = 30_000;

export async function adoptInstances(ctx: InstanceContext): Promise<Instance[]> {
  const adopted: Instance[] = [];
  for (const name of await listInstanceNames(ctx.home)) {
    let record;
    try {
      record = await readInstanceRecord(ctx.home, name);
    } catch (err) {
      ctx.log(`skipping instance ${name}: ${(err as Error).message}`);
      continue;
    }
    if (!record) continue;
    const instance = new Instance(ctx, record);
    // A dead one has no console left to follow; its log is read from the file.
    if (record.state.kind !== "dead") await instance.startLogging();
    const wasStopping = record.state.kind === "stopping";
    if (record.state.kind !== "dead") await adoptOne(ctx, instance);
    if (wasStopping) {
      // The dead daemon was bringing it down: finish that, as `down` would have.
      await instance.down(DOWN_TIMEOUT_MS);
      await removeInstanceFiles(ctx.home, instance.record);
      continue;
    }
    adopted.push(instance);
  }
  return adopted;
}

async function adoptOne(ctx: InstanceContext, instance: Instance): Promise<void> {
  const record = instance.record;
  const spec = instance.vmSpec();
  const pid = record.pid !== null && isProcessAlive(record.pid) ? record.pid : findProcessByArg(spec.controlSocket);
  if (pid === undefined) {
    await instance.markDead(record.pid === null ? "the daemon died while starting it, before QEMU ran" : "the VM had exited when the daemon restarted");
    return;
  }
  let vm;
  try {
    vm = await ctx.backend.adopt(spec, pid);
  } catch (err) {
    await instance.markDead(`the VM could not be re-adopted after a daemon restart: ${(err as Error).message}`);
    return;
  }
  if (pid !== record.pid) await instance.setState(record.state, pid).catch((err: Error) => ctx.log(`${record.name}: ${err.message}`));
  instance.log.append("mvm", `re-adopted by a restarted daemon (pid ${pid}, was ${record.state.kind})`);
  // A clone still starting may not have been given its own clock, entropy and identity yet.
  if (record.template && record.state.kind === "starting") instance.identityPending = true;
  const link = instance.attachVm(vm);
  if (record.state.kind === "ready") instance.settleReady(undefined);
  // The agent answers hello whatever state it is in; an unreachable one keeps being retried.
  void link.connect(FIRST_CONNECT_MS).catch(() => link.keepTrying());
  if (record.state.kind === "starting") {
    // The `up` that started it died with the old daemon; the boot itself goes on and is recorded here.
    instance.ready.then(
      () => instance.record.state.kind === "starting" ? instance.markReady(undefined) : undefined,
      async (err: Error) => {
        if (instance.record.state.kind !== "starting") return;
        await instance.markDead(`start-up failed: ${err.message.split("\n")[0]}`);
        await vm.stop({ quitDeadlineMs: 2_000 });
      },
    ).catch((err: Error) => ctx.log(`${record.name}: ${err.message}`));
  }
}
