/**
 * `up`: boots a registered app as a named instance and resolves only at READY. The record is written
 * before QEMU is spawned and again with its pid right after, so a daemon that dies at any point leaves a
 * record its successor can re-adopt (or a VM it can find by its control socket). On any failure the VM is
 * stopped, the record says dead with the reason, and the error carries the last console lines. Admission
 * comes first: under MVM_HOME/policy.json's require_signed an image not built from a trusted signature is
 * refused before anything is written or spawned.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { admitImage } from "@mvm/admission";
import { MANIFEST_FILE, readApp } from "@mvm/builder";
import { MvmError } from "@mvm/ir";
import type { ControlEvent } from "./control-protocol.ts";
import { daemonPaths } from "./home.ts";
import { Instance, type InstanceContext } from "./instance.ts";
import { resolveNetwork } from "./network.ts";
import { issueSecretTokens, secretWarnings } from "./secret-tokens.ts";
import { INSTANCE_RECORD_VERSION, newInstanceId, type InstanceRecord, type StartTimings } from "./state.ts";
import { writeInstanceRecord } from "./store.ts";
import { startTimings } from "./timings.ts";

export interface UpRequest {
  app: string;
  name: string;
  readyTimeoutMs: number;
}

export interface UpOutcome {
  instance: Instance;
  timings: StartTimings;
}

/**
 * Creates and boots the instance. `onCreated` receives it as soon as it exists (before QEMU starts), so the
 * daemon can register the name and `--attach` can follow its log from the first console line.
 */
export async function upInstance(ctx: InstanceContext, req: UpRequest, emit: (e: ControlEvent) => void, onCreated: (i: Instance) => void): Promise<UpOutcome> {
  const app = await readApp(req.app);
  const m = app.manifest;
  // Against the digests the build recorded: the image was hashed once, at build, and is not hashed again here.
  admitImage({ app: m.name, manifestPath: join(app.dir, MANIFEST_FILE), signature: m.signature, digests: m.artifact_digests }, ctx.home);
  const network = resolveNetwork(m.network);
  const secrets = issueSecretTokens(m.env);
  for (const message of secretWarnings(m.env, network.mode)) emit({ kind: "warning", message });
  const record: InstanceRecord = {
    record_version: INSTANCE_RECORD_VERSION,
    name: req.name, id: newInstanceId(), app: m.name, ir_hash: m.ir_hash,
    image: { path: app.imagePath, sha256: m.image.sha256 },
    kernel: { path: m.kernel.path, flavour: m.kernel.flavour, ...(m.kernel.initrd ? { initrd: m.kernel.initrd } : {}) },
    cpus: m.resources.cpu_cores, memory_mb: m.resources.memory_mb,
    network, entrypoints: m.entrypoints, secrets,
    signer: m.signature ? { ...m.signature.payload.signer, signed_at: m.signature.payload.signed_at } : null,
    pid: null, created_at: new Date().toISOString(), state: { kind: "starting" },
  };
  await mkdir(daemonPaths(ctx.home).runDir, { recursive: true, mode: 0o700 });
  await writeInstanceRecord(ctx.home, record);
  const instance = new Instance(ctx, record);
  onCreated(instance);
  await instance.startLogging();
  instance.log.append("mvm", `up: app ${m.name} (image ${m.image.sha256.slice(0, 12)}, ${record.cpus} cpu, ${record.memory_mb} MiB, network ${network.mode}), instance id ${record.id}`);
  return bootInstance(ctx, instance, req.readyTimeoutMs);
}

async function bootInstance(ctx: InstanceContext, instance: Instance, readyTimeoutMs: number): Promise<UpOutcome> {
  const spawnedAt = Date.now();
  const giveUpAt = spawnedAt + readyTimeoutMs;
  let monitorAt = spawnedAt;
  try {
    const vm = await ctx.backend.start(instance.vmSpec());
    monitorAt = Date.now();
    if (instance.isStopping) {
      // `down` came while QEMU was spawning, before there was a VM to stop: stop it now.
      await vm.stop({ quitDeadlineMs: 2_000 });
      throw new MvmError("RUN_STOPPED", "brought down while starting");
    }
    const link = instance.attachVm(vm);
    await instance.setState({ kind: "starting" }, vm.pid);
    const timedOut = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new MvmError("RUN_TIMEOUT", `it did not become READY within ${readyTimeoutMs / 1000} s`,
        "raise --ready-timeout, or look at the console below for the phase that hangs")), Math.max(1, giveUpAt - Date.now()));
      void instance.ended.then(() => clearTimeout(timer));
      void instance.ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
    });
    timedOut.catch(() => undefined);
    await Promise.race([link.connect(Math.max(1, giveUpAt - Date.now())), timedOut, instance.ready.then(() => undefined)]);
    const info = await Promise.race([instance.ready, timedOut]);
    const timings = startTimings(spawnedAt, monitorAt, Date.now(), info);
    await instance.markReady(timings);
    return { instance, timings };
  } catch (err) {
    throw await failStart(instance, err);
  }
}

/** Stops what started, records why, and returns the error `up` reports. */
async function failStart(instance: Instance, err: unknown): Promise<MvmError> {
  const state = instance.record.state.kind;
  if (state === "stopping" || (err instanceof MvmError && err.code === "RUN_STOPPED")) {
    return new MvmError("RUN_STOPPED", `instance ${instance.name} was brought down (mvmctl down) before it was READY`);
  }
  const vmStderr = instance.vm?.stderrTail() ?? "";
  const base = err instanceof MvmError ? err : new MvmError("RUN_AGENT_INTERNAL", String(err), undefined, { cause: err });
  const portTaken = /Could not set up host forwarding rule '([^']+)'/.exec(vmStderr);
  const code = portTaken ? "RUN_PORT_IN_USE" : base.code === "RUN_INSTANCE_DEAD" ? "RUN_VM_DIED" : base.code;
  const why = portTaken ? `a forwarded port is already taken on the host (${portTaken[1]})` : base.message;
  // Dead first, so the VM's exit below is not mistaken for the reason.
  await instance.markDead(`start-up failed: ${why.split("\n")[0]}`);
  if (instance.vm) {
    if (!instance.vm.hasExited) await instance.vm.stop({ quitDeadlineMs: 2_000 });
    await instance.ended;
  }
  const consoleTail = await instance.consoleTail();
  return new MvmError(code, `instance ${instance.name} failed to start: ${why}\nlast console lines:\n${consoleTail || "(none)"}`,
    portTaken ? "free that port or change network.ports in the app, then build and up again" : base.hint ?? `mvmctl logs ${instance.name} shows the whole console`,
    { cause: err });
}
