/**
 * Where an instance is in its life, and how its start-up went: the parts of an instance's record that the
 * control protocol also carries. Written with zod/mini, which costs a command ~1 ms to load where zod's classic
 * API costs ~20 ms, so the CLI's daemon client stays cheap (bench: mvmctl invoke vs node -e 0).
 */
import * as z from "zod/mini";

const ms = z.number().check(z.minimum(0));
const isoTime = z.iso.datetime();

/** Per-phase start-up timings in ms; the agent's own phases are absent when the agent does not report them. */
export const StartTimings = z.strictObject({
  /** spawn(qemu) until its QMP monitor answered. */
  vmm_start_ms: ms,
  /** QMP up until READY as the host saw it: kernel, agent, hooks and runner together. */
  boot_to_ready_ms: ms,
  /** Guest uptime at READY minus the agent's phases below: kernel boot and agent start. */
  kernel_ms: z.optional(ms),
  configure_wait_ms: z.optional(ms),
  before_start_ms: z.optional(ms),
  runner_import_ms: z.optional(ms),
  after_start_ms: z.optional(ms),
  /** spawn until READY. */
  total_ms: ms,
  /** A clone: the first 12 characters of its template's key (docs/snapshots.md). */
  template: z.optional(z.string()),
  /** This `up` made the template first: its VM's cold boot, warm call and save. */
  template_made_ms: z.optional(ms),
  /** A clone: QMP up until the guest ran again from the template's state. */
  restore_ms: z.optional(ms),
  /** A clone: the guest running until it answered hello, sync and configure (its own clock, entropy, identity). */
  identity_ms: z.optional(ms),
  /** A cold boot: why it was not a clone (--cold, a Node runtime, a template that was refused or failed). */
  cold_reason: z.optional(z.string()),
});
export type StartTimings = z.infer<typeof StartTimings>;

/** Where an instance is in its life. Every change is written to state.json before it is acted on. */
export const InstanceState = z.discriminatedUnion("kind", [
  /** QEMU is spawned (or about to be) and the daemon waits for the agent's READY. */
  z.strictObject({ kind: z.literal("starting") }),
  /** The agent reported READY: hooks ran, the runner imported the module; invokes go through. */
  z.strictObject({ kind: z.literal("ready"), ready_at: isoTime, timings: z.optional(StartTimings) }),
  /** `down` is running: before_stop, then the VM is shut down or killed; the record goes when it ends. */
  z.strictObject({ kind: z.literal("stopping") }),
  /** The VM is not running (it died, was killed, powered off, or failed to start); `reason` says which. */
  z.strictObject({ kind: z.literal("dead"), reason: z.string(), ended_at: isoTime }),
]);
export type InstanceState = z.infer<typeof InstanceState>;
export type InstanceStateKind = InstanceState["kind"];

/** Who signed the artifacts the instance's image was built from, as its manifest recorded at `up`. */
export const InstanceSigner = z.strictObject({ name: z.string(), key_id: z.string(), signed_at: isoTime });
export type InstanceSigner = z.infer<typeof InstanceSigner>;

const port = z.int().check(z.minimum(1), z.maximum(65535));
export const PortForward = z.strictObject({ guest: port, host: port, proto: z.enum(["tcp", "udp"]) });

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
