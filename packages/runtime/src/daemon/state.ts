/**
 * An instance's state and its record (`MVM_HOME/instances/<name>/state.json`): everything a restarted
 * daemon needs to re-adopt the VM — pid, sockets, the spec it booted with, its secret tokens — without the
 * app registry, which may have been rebuilt since.
 */
import { randomBytes } from "node:crypto";
import { APP_NAME_PATTERN, LaunchEntrypoint } from "@mvm/ir";
import { MAC_PATTERN } from "@mvm/vmm";
import { z } from "zod";

export const INSTANCE_RECORD_VERSION = 1;

const isoTime = z.iso.datetime();

/** Per-phase start-up timings in ms; the agent's own phases are absent when the agent does not report them. */
export const StartTimings = z.strictObject({
  /** spawn(qemu) until its QMP monitor answered. */
  vmm_start_ms: z.number().min(0),
  /** QMP up until READY as the host saw it: kernel, agent, hooks and runner together. */
  boot_to_ready_ms: z.number().min(0),
  /** Guest uptime at READY minus the agent's phases below: kernel boot and agent start. */
  kernel_ms: z.number().min(0).optional(),
  configure_wait_ms: z.number().min(0).optional(),
  before_start_ms: z.number().min(0).optional(),
  runner_import_ms: z.number().min(0).optional(),
  after_start_ms: z.number().min(0).optional(),
  /** spawn until READY. */
  total_ms: z.number().min(0),
  /** A clone: the first 12 characters of its template's key (docs/snapshots.md). */
  template: z.string().optional(),
  /** This `up` made the template first: its VM's cold boot, warm call and save. */
  template_made_ms: z.number().min(0).optional(),
  /** A clone: QMP up until the guest ran again from the template's state. */
  restore_ms: z.number().min(0).optional(),
  /** A clone: the guest running until it answered hello, sync and configure (its own clock, entropy, identity). */
  identity_ms: z.number().min(0).optional(),
  /** A cold boot: why it was not a clone (--cold, a Node runtime, a template that was refused or failed). */
  cold_reason: z.string().optional(),
});
export type StartTimings = z.infer<typeof StartTimings>;

/** Where an instance is in its life. Every change is written to state.json before it is acted on. */
export const InstanceState = z.discriminatedUnion("kind", [
  /** QEMU is spawned (or about to be) and the daemon waits for the agent's READY. */
  z.strictObject({ kind: z.literal("starting") }),
  /** The agent reported READY: hooks ran, the runner imported the module; invokes go through. */
  z.strictObject({ kind: z.literal("ready"), ready_at: isoTime, timings: StartTimings.optional() }),
  /** `down` is running: before_stop, then the VM is shut down or killed; the record goes when it ends. */
  z.strictObject({ kind: z.literal("stopping") }),
  /** The VM is not running (it died, was killed, powered off, or failed to start); `reason` says which. */
  z.strictObject({ kind: z.literal("dead"), reason: z.string(), ended_at: isoTime }),
]);
export type InstanceState = z.infer<typeof InstanceState>;
export type InstanceStateKind = InstanceState["kind"];

export const PortForward = z.strictObject({
  guest: z.number().int().min(1).max(65535),
  host: z.number().int().min(1).max(65535),
  proto: z.enum(["tcp", "udp"]),
});

/** A `secret_ref` env var and the opaque token this instance's guest sees in it. */
export const SecretToken = z.strictObject({ var: z.string(), secret: z.string(), token: z.string() });
export type SecretToken = z.infer<typeof SecretToken>;

export const InstanceRecord = z.strictObject({
  record_version: z.literal(INSTANCE_RECORD_VERSION),
  name: z.string().regex(APP_NAME_PATTERN),
  /** Short random id: MVM_INSTANCE_ID in the guest, and the socket names under MVM_HOME/run/. */
  id: z.string().regex(/^[a-z2-7]{12}$/),
  app: z.string().regex(APP_NAME_PATTERN),
  ir_hash: z.string(),
  image: z.strictObject({ path: z.string(), sha256: z.string() }),
  kernel: z.strictObject({ path: z.string(), flavour: z.enum(["mvm", "debian-cloud"]), initrd: z.string().optional() }),
  cpus: z.number().int().min(1),
  memory_mb: z.number().int().min(1),
  network: z.strictObject({ mode: z.enum(["none", "bridge", "host"]), ports: z.array(PortForward) }),
  /** The NIC's address (with a network): its own, so clones of one template never share one. */
  mac: z.string().regex(MAC_PATTERN).optional(),
  /** Set when the VM is a clone: the template's key (a re-adopting daemon gives a clone that was still starting its identity). */
  template: z.strictObject({ key: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /** From the image manifest: what `invoke` checks inputs against. */
  entrypoints: z.array(LaunchEntrypoint).min(1),
  secrets: z.array(SecretToken),
  /** The QEMU process, once spawned. */
  pid: z.number().int().positive().nullable(),
  created_at: isoTime,
  state: InstanceState,
});
export type InstanceRecord = z.infer<typeof InstanceRecord>;

/** Whether the instance's VM may be running (and so holds its name and its app's image). */
export function holdsVm(state: InstanceState): boolean {
  switch (state.kind) {
    case "starting":
    case "ready":
    case "stopping":
      return true;
    case "dead":
      return false;
    default:
      return unreachable(state);
  }
}

/** One word for `ps`, plus the reason for a dead instance. */
export function describeState(state: InstanceState): string {
  switch (state.kind) {
    case "starting":
      return "starting";
    case "ready":
      return "ready";
    case "stopping":
      return "stopping";
    case "dead":
      return `dead: ${state.reason}`;
    default:
      return unreachable(state);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled instance state ${JSON.stringify(value)}`);
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A `52:54:00:…` NIC address none of `taken` has (QEMU would give every VM the same one). */
export function newMac(taken: ReadonlySet<string>): string {
  for (;;) {
    const mac = `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
    if (!taken.has(mac)) return mac;
  }
}

/** 12 base32 characters (60 random bits): unique per host in practice, short enough for socket paths. */
export function newInstanceId(): string {
  return [...randomBytes(12)].map((b) => BASE32[b & 31]).join("");
}
