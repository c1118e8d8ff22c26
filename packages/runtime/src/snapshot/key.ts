/**
 * A template's key: the sha256 of everything that must be equal for a clone to resume where its template
 * stopped (TemplateKeyParts). Any part changing — a rebuilt image, another kernel or agent, other resources,
 * a QEMU upgrade, another accelerator or TSC rate (it is in the kernel command line) — gives another key, so
 * a stale template is never used; `mvmctl snapshot prune` removes it.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { sha256File, type ImageManifest } from "@mvm/builder";
import { canonicalJson } from "@mvm/ir";
import type { AcceleratorChoice, SnapshotCapability, VmSpec } from "@mvm/vmm";
import { TEMPLATE_FORMAT_VERSION, type TemplateKeyParts } from "./format.ts";

export function templateKey(parts: TemplateKeyParts): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

const initrdHashes = new Map<string, Promise<string>>();

/** An initramfs's sha256, hashed once per file identity (it is rebuilt rarely, read on every up). */
function initrdSha256(path: string): Promise<string> {
  const st = statSync(path);
  const id = `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  let hash = initrdHashes.get(id);
  if (!hash) initrdHashes.set(id, (hash = sha256File(path)));
  return hash;
}

/** Under KVM the guest runs on the host's own CPU model: a template moves only between equal CPUs. */
function hostCpu(accel: AcceleratorChoice): string | null {
  if (accel.accel !== "kvm") return null;
  const info = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? "unknown";
  const flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? "";
  return `${model} flags:${createHash("sha256").update(flags).digest("hex").slice(0, 16)}`;
}

export interface KeyInputs {
  manifest: ImageManifest;
  network: TemplateKeyParts["network"];
  /** The spec the instance boots with (its paths and MAC do not matter: they become placeholders). */
  spec: VmSpec;
  accel: AcceleratorChoice;
  snapshots: SnapshotCapability;
}

export async function templateKeyParts(inputs: KeyInputs): Promise<TemplateKeyParts> {
  const { manifest: m, spec, accel, snapshots } = inputs;
  const machineArgs = await snapshots.machineArgs(spec);
  const append = machineArgs.indexOf("-append");
  return {
    format_version: TEMPLATE_FORMAT_VERSION,
    image_sha256: m.image.sha256,
    kernel_sha256: m.kernel.sha256,
    initrd_sha256: m.kernel.initrd ? await initrdSha256(m.kernel.initrd) : null,
    agent_sha256: m.agent.sha256,
    cpus: spec.cpus,
    memory_mb: spec.memoryMb,
    accelerator: accel.accel,
    network: inputs.network,
    kernel_cmdline: append >= 0 ? (machineArgs[append + 1] ?? "") : "",
    vmm_version: await snapshots.vmmVersion(),
    machine_args: machineArgs,
    host_cpu: hostCpu(accel),
  };
}
