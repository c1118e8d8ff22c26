/**
 * Restoring a clone: the template's RAM file mapped copy-on-write, its device state read from a file
 * descriptor opened (and checked) here, then — before anything of the instance may use it — the guest gets
 * the current time and fresh entropy (`sync`: the clock is stale and the CRNG is the template's) and the
 * instance's own identity (`configure`: id, secret tokens, NIC address). Any failure stops the VM and
 * throws SNAPSHOT_RESTORE_FAILED, so `up` can boot cold instead.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { MvmError } from "@mvm/ir";
import type { Backend, RunningVm, VmSpec } from "@mvm/vmm";
import { connectChannel, type ChannelClient } from "../channel/index.ts";
import { identityOf, sameIdentity, verifyIdentity, type VerifiedTemplate } from "./verify.ts";

export interface CloneValues {
  instanceId: string;
  env: Record<string, string>;
  mac?: string;
}

export interface CloneInputs {
  backend: Backend;
  template: VerifiedTemplate;
  /** The instance's own spec (its sockets, console, network); the RAM file is added here. */
  spec: VmSpec;
  values: CloneValues;
  deadlineMs: number;
  /** Told the VM as soon as it runs (the daemon records its pid before the guest is given anything). */
  onVm(vm: RunningVm): Promise<void>;
}

export interface ClonedVm {
  vm: RunningVm;
  /** spawn → QMP up; QMP up → the guest running again; running → hello, sync and configure answered. */
  vmmStartMs: number;
  restoreMs: number;
  identityMs: number;
}

/** Entropy sent with `sync`: more than the CRNG's 256-bit key, and within the frame's 4096-byte cap. */
const SYNC_ENTROPY_BYTES = 64;

export async function restoreClone(inputs: CloneInputs): Promise<ClonedVm> {
  const snapshots = inputs.backend.snapshots;
  if (!snapshots) throw new MvmError("SNAPSHOT_RESTORE_FAILED", `the ${inputs.backend.name} backend cannot restore snapshot templates`);
  const t = inputs.template;
  await verifyIdentity(t);
  const giveUpAt = Date.now() + inputs.deadlineMs;
  const stateFd = openSync(t.paths.state, "r");
  let vm: RunningVm | undefined;
  let client: ChannelClient | undefined;
  try {
    // The descriptor QEMU reads is the file checked here, whatever happens to the path meanwhile.
    if (!sameIdentity(identityOf(fstatSync(stateFd)), t.state)) {
      throw new MvmError("SNAPSHOT_TEMPLATE_INVALID", `template ${t.key.slice(0, 12)}'s state file changed after it was verified`);
    }
    const spec: VmSpec = { ...inputs.spec, memoryFile: { path: t.paths.ram, shared: false } };
    const started = performance.now();
    const restored = await snapshots.restore(spec, stateFd, inputs.deadlineMs);
    vm = restored.vm;
    const runningAt = performance.now();
    await inputs.onVm(vm);
    client = await connectChannel(spec.channel!.socketPath, { deadlineMs: Math.max(1, giveUpAt - Date.now()) });
    const hello = await client.hello();
    if (hello.state !== "ready") throw new MvmError("SNAPSHOT_RESTORE_FAILED", `the restored agent says it is ${hello.state}, not ready`);
    const sync = await client.sync(Date.now(), randomBytes(SYNC_ENTROPY_BYTES));
    if (sync.reseeded !== true) throw new MvmError("SNAPSHOT_RESTORE_FAILED", "the restored agent did not reseed its RNG");
    await client.configure(inputs.values);
    return { vm, vmmStartMs: runningAt - started - restored.restoreMs, restoreMs: restored.restoreMs, identityMs: performance.now() - runningAt };
  } catch (err) {
    if (vm && !vm.hasExited) await vm.stop({ quitDeadlineMs: 1_000 });
    const e = err instanceof MvmError ? err : new MvmError("SNAPSHOT_RESTORE_FAILED", String(err));
    throw e.code === "SNAPSHOT_RESTORE_FAILED" || e.code === "SNAPSHOT_TEMPLATE_INVALID"
      ? e
      : new MvmError("SNAPSHOT_RESTORE_FAILED", `the clone did not answer after the restore: ${e.message}`, undefined, { cause: err });
  } finally {
    client?.close();
    closeSync(stateFd);
  }
}
