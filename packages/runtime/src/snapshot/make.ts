/**
 * Making a template: a dedicated VM — never a user's instance — boots the image cold to READY under the
 * template's own identity (before_start ran, the runner imported the module), is warmed with one call when
 * the entrypoint takes no required input, saves its device state beside its RAM file and quits right
 * after, so nothing writes the RAM file again (RUNTIME-NOTES.md §6). The caller publishes the directory.
 */
import { randomBytes } from "node:crypto";
import { rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sha256File, type ImageManifest } from "@mvm/builder";
import { MvmError, type LaunchEntrypoint } from "@mvm/ir";
import type { Backend, RunningVm, VmSpec } from "@mvm/vmm";
import { connectChannel, type ChannelClient } from "../channel/index.ts";
import { RAM_FILE, STATE_FILE, TEMPLATE_FORMAT_VERSION, TEMPLATE_MANIFEST_FILE, TemplateManifest, type TemplateKeyParts } from "./format.ts";

/** A template could not be made for a reason a cold boot does not share: `up` boots cold instead. */
export class TemplateUnavailable extends MvmError {
  override name = "TemplateUnavailable";
}

/** The template VM failed the way a cold boot of the image would: `up` fails with it. */
export class TemplateBootError extends MvmError {
  override name = "TemplateBootError";
  constructor(err: MvmError, readonly vmmStderr: string) {
    super(err.code, err.message, err.hint, { cause: err });
  }
}

export interface TemplateVmValues {
  instanceId: string;
  /** The template's own secret tokens (never honoured by the host: no instance holds them). */
  env: Record<string, string>;
}

export interface MakeTemplateInputs {
  backend: Backend;
  key: string;
  parts: TemplateKeyParts;
  app: { name: string; manifest: ImageManifest };
  /** The spec the instance would boot cold with; the template VM gets its own sockets, RAM file and MAC. */
  spec: VmSpec;
  /** Short-named directory for the template VM's sockets (MVM_HOME/run). */
  runDir: string;
  /** Where the boot's console goes (the instance's, so `up --attach` and `logs` show the boot). */
  consoleLog: string;
  values: TemplateVmValues;
  deadlineMs: number;
  /** Told the VM once it runs, so a stopping daemon can end it. */
  onVm(vm: RunningVm | undefined): void;
}

const SAVE_DEADLINE_MS = 60_000;
const WARM_CALL_MS = 30_000;

/** `52:54:01:…` from the key: the template's NIC address, apart from instances' `52:54:00:…`. */
export function templateMac(key: string): string {
  return `52:54:01:${key.slice(0, 2)}:${key.slice(2, 4)}:${key.slice(4, 6)}`;
}

/** Makes the template's files in `stagingDir` and returns its template.json. */
export async function makeTemplate(stagingDir: string, inputs: MakeTemplateInputs): Promise<TemplateManifest> {
  const snapshots = inputs.backend.snapshots;
  if (!snapshots) throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", `the ${inputs.backend.name} backend cannot make snapshot templates`);
  const giveUpAt = Date.now() + inputs.deadlineMs;
  const tag = randomBytes(6).toString("hex");
  const spec: VmSpec = {
    ...inputs.spec,
    channel: { kind: "virtio-serial", socketPath: join(inputs.runDir, `t${tag.slice(0, 11)}.agent`) },
    controlSocket: join(inputs.runDir, `t${tag.slice(0, 11)}.qmp`),
    consoleLog: inputs.consoleLog,
    keepConsoleLog: false,
    detach: { stderrLog: join(stagingDir, "qemu.log") },
    memoryFile: { path: join(stagingDir, RAM_FILE), shared: true },
    network: inputs.spec.network.mode === "user" ? { ...inputs.spec.network, mac: templateMac(inputs.key) } : inputs.spec.network,
  };
  const bootStarted = performance.now();
  let vm: RunningVm | undefined;
  let client: ChannelClient | undefined;
  let agent = "unknown";
  try {
    try {
      vm = await inputs.backend.start(spec);
    } catch (err) {
      const e = err instanceof MvmError ? err : new MvmError("BOOT_VMM_EXITED", String(err));
      if (/host forwarding rule/.test(e.message)) throw new TemplateBootError(e, e.message);
      throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", `the template VM did not start: ${e.message}`, undefined, { cause: err });
    }
    inputs.onVm(vm);
    const started = vm;
    const died = started.exited.then((exit) => {
      throw new MvmError("RUN_VM_DIED", `the template VM exited before READY (${exit.signal ? `killed by ${exit.signal}` : `status ${exit.code}`})`);
    });
    died.catch(() => undefined);
    const untilDeadline = () => Math.max(1, giveUpAt - Date.now());
    const booted = (async () => {
      client = await connectChannel(spec.channel!.socketPath, { deadlineMs: untilDeadline() });
      agent = (await client.hello()).agent;
      await client.configure({ ...inputs.values, ...(spec.network.mode === "user" && spec.network.mac ? { mac: spec.network.mac } : {}) });
      return client.waitForReady(untilDeadline()).catch((err: unknown) => {
        if (err instanceof MvmError && err.code === "RUN_NOT_READY") {
          throw new MvmError("RUN_TIMEOUT", `it did not become READY within ${inputs.deadlineMs / 1000} s`,
            "raise --ready-timeout, or look at the console below for the phase that hangs", { cause: err });
        }
        throw err;
      });
    })();
    try {
      await Promise.race([booted, died]);
    } catch (err) {
      throw new TemplateBootError(err instanceof MvmError ? err : new MvmError("RUN_AGENT_INTERNAL", String(err)), started.stderrTail());
    }
    const c = client!;
    const bootMs = performance.now() - bootStarted;
    const sync = await c.sync(Date.now(), randomBytes(64));
    if (sync.reseeded !== true) {
      throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", "the image's agent cannot reseed its RNG after a restore (it predates clone support)",
        "rebuild the image (mvmctl build) to get the current agent");
    }
    const warm = await warmCall(c, inputs.app.manifest.entrypoints[0]);
    c.close();
    const saved = await snapshots.saveTemplate(started, join(stagingDir, STATE_FILE), SAVE_DEADLINE_MS).catch((err: unknown) => {
      throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", (err as Error).message, undefined, { cause: err });
    });
    inputs.onVm(undefined);
    await rm(join(stagingDir, "qemu.log"), { force: true });
    return await writeManifest(stagingDir, inputs, { bootMs, saveMs: saved.saveMs, warm, agent });
  } finally {
    client?.close();
    if (vm && !vm.hasExited) await vm.stop({ quitDeadlineMs: 2_000 });
    inputs.onVm(undefined);
  }
}

/** One call with no input, when every parameter has a default: the first call's lazy work lands in the template. */
async function warmCall(client: ChannelClient, entry: LaunchEntrypoint | undefined): Promise<{ ran: boolean; note: string }> {
  if (!entry || entry.kind !== "function") return { ran: false, note: "a command entrypoint runs a new process per call; nothing to warm" };
  if (entry.params === null) return { ran: false, note: "the entrypoint's parameters are not known" };
  const required = entry.params.filter((p) => !p.has_default).map((p) => p.name);
  if (required.length > 0) return { ran: false, note: `${entry.function} has required parameters (${required.join(", ")})` };
  try {
    await client.invoke({}, { timeoutMs: WARM_CALL_MS });
    return { ran: true, note: `${entry.function}() with no input` };
  } catch (err) {
    return { ran: true, note: `${entry.function}() with no input failed: ${(err as Error).message.split("\n")[0]}` };
  }
}

async function writeManifest(
  stagingDir: string,
  inputs: MakeTemplateInputs,
  made: { bootMs: number; saveMs: number; warm: { ran: boolean; note: string }; agent: string },
): Promise<TemplateManifest> {
  const ram = join(stagingDir, RAM_FILE);
  const state = join(stagingDir, STATE_FILE);
  const [ramSt, stateSt, ramSha, stateSha] = await Promise.all([stat(ram), stat(state), sha256File(ram), sha256File(state)]);
  const m = inputs.app.manifest;
  const language = m.runtime.language;
  if (language === "node") throw new TemplateUnavailable("SNAPSHOT_SAVE_FAILED", "node entrypoints are not templated");
  const manifest: TemplateManifest = {
    format_version: TEMPLATE_FORMAT_VERSION,
    key: inputs.key,
    parts: inputs.parts,
    app: inputs.app.name,
    ir_hash: m.ir_hash,
    language,
    files: { ram: { bytes: ramSt.size, sha256: ramSha }, state: { bytes: stateSt.size, sha256: stateSha } },
    ram_used_bytes: ramSt.blocks * 512,
    created_at: new Date().toISOString(),
    boot_ms: Math.round(made.bootMs),
    save_ms: Math.round(made.saveMs * 10) / 10,
    warm_call: made.warm,
    agent: made.agent,
  };
  await writeFile(join(stagingDir, TEMPLATE_MANIFEST_FILE), `${JSON.stringify(TemplateManifest.parse(manifest), null, 2)}\n`, { mode: 0o600, flush: true });
  return manifest;
}
