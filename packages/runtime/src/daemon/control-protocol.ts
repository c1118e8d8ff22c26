/**
 * @module The control protocol between `mvmctl` and the host daemon, over `MVM_HOME/daemon.sock` (0600).
 * Written once here; docs/run.md describes it. Frames are the guest channel's: a 4-byte big-endian length
 * and a UTF-8 JSON body. The client sends requests; for each the daemon sends zero or more `event`
 * messages and then exactly one `result` or `error` with the request's id. A connection may carry several
 * requests at once. Closing the connection ends its streams (`logs -f`, `up --attach`); it never cancels or
 * repeats an invoke already sent to a guest.
 *
 * Version rule: `v` moves independently of mvm releases; a daemon answers a request of another version with
 * RUN_CONTROL_PROTOCOL, naming both, so an old daemon is told to restart (`mvmctl daemon stop`).
 */
import { MAX_PAYLOAD } from "@mvm/guest/limits";
import { ERROR_CODES, type ErrorCode } from "@mvm/ir/error-codes";
// zod/mini, not zod: the CLI validates every answer with these schemas, and classic zod alone costs a command ~20 ms.
import * as z from "zod/mini";
import { InstanceSigner, InstanceState, PortForward, StartTimings } from "./instance-state.ts";

export const CONTROL_PROTOCOL_VERSION = 1;
/** Largest control frame: an invoke's result may be MAX_PAYLOAD from the guest, plus its envelope. */
export const MAX_CONTROL_FRAME = MAX_PAYLOAD + 4 * 1024 * 1024;

const v = z.literal(CONTROL_PROTOCOL_VERSION);
const id = z.int().check(z.minimum(1), z.maximum(2 ** 31 - 1));
const name = z.string().check(z.minLength(1), z.maxLength(63));
const timeoutMs = z.int().check(z.minimum(1), z.maximum(24 * 3600 * 1000));

export const InputArgSchema = z.union([
  z.strictObject({ name: z.string().check(z.maxLength(256)), text: z.string() }),
  z.strictObject({ name: z.string().check(z.maxLength(256)), json: z.unknown() }),
]);

/** Each method and its parameters. */
export const ControlRequest = z.discriminatedUnion("method", [
  z.strictObject({ v, id, method: z.literal("status") }),
  /** Stops the daemon; its VMs keep running and are re-adopted by the next daemon. */
  z.strictObject({ v, id, method: z.literal("stop") }),
  z.strictObject({
    v, id, method: z.literal("up"),
    params: z.strictObject({
      app: name, name,
      /** An instance of that name already running (or starting) from the same app is success, not an error. */
      if_not_running: z.boolean(),
      ready_timeout_ms: timeoutMs,
      /** Stream console and log lines as events, and answer only when the instance stops. */
      attach: z.boolean(),
      /** Boot cold: never clone a snapshot template (sent only when true, so older daemons still take an up). */
      cold: z.optional(z.boolean()),
    }),
  }),
  z.strictObject({
    v, id, method: z.literal("invoke"),
    params: z.strictObject({
      name, inputs: z.array(InputArgSchema).check(z.maxLength(10_000)),
      /** Another function of the entrypoint's module (`--fn`); absent: the primary entrypoint. */
      function: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      timeout_ms: z.optional(timeoutMs),
    }),
  }),
  z.strictObject({
    v, id, method: z.literal("exec"),
    params: z.strictObject({ name, argv: z.array(z.string()).check(z.minLength(1), z.maxLength(1024)), timeout_ms: z.optional(timeoutMs), stdin_b64: z.optional(z.string()) }),
  }),
  z.strictObject({
    v, id, method: z.literal("down"),
    params: z.strictObject({ names: z.array(name), all: z.boolean(), timeout_ms: z.optional(timeoutMs) }),
  }),
  z.strictObject({ v, id, method: z.literal("ps") }),
  z.strictObject({
    v, id, method: z.literal("logs"),
    params: z.strictObject({ name, follow: z.boolean(), tail: z.optional(z.int().check(z.minimum(0))) }),
  }),
  /** Removes a built app; refused while an instance holds a VM booted from it. */
  z.strictObject({ v, id, method: z.literal("rmi"), params: z.strictObject({ app: name }) }),
  /** The snapshot templates in the cache, each with whether an app of this home would clone it. */
  z.strictObject({ v, id, method: z.literal("snapshot_ls") }),
  /** Removes templates by key prefix or app name (`all`: every one). Running clones are not affected. */
  z.strictObject({
    v, id, method: z.literal("snapshot_rm"),
    params: z.strictObject({ selectors: z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(1000)), all: z.boolean() }),
  }),
  /** Removes every template no app of this home would clone, and what interrupted makers left. */
  z.strictObject({ v, id, method: z.literal("snapshot_prune") }),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;
export type ControlMethod = ControlRequest["method"];

/** What `ps` shows of one instance. */
export const InstanceView = z.strictObject({
  name: z.string(),
  id: z.string(),
  app: z.string(),
  state: InstanceState,
  pid: z.nullable(z.int()),
  created_at: z.string(),
  uptime_ms: z.nullable(z.number()),
  /** QEMU's resident memory. */
  memory_bytes: z.nullable(z.int()),
  network: z.enum(["none", "bridge", "host"]),
  ports: z.array(PortForward),
  /** False while the daemon is reconnecting to the guest agent. */
  channel_connected: z.boolean(),
  /** Who signed the artifacts its image was built from; null when unsigned (or not recorded). */
  signer: z.nullable(InstanceSigner),
});
export type InstanceView = z.infer<typeof InstanceView>;

export const StatusResult = z.strictObject({
  pid: z.int(),
  protocol: z.int(),
  home: z.string(),
  started_at: z.string(),
  uptime_ms: z.number(),
  rss_bytes: z.int(),
  instances: z.int(),
});
export type StatusResult = z.infer<typeof StatusResult>;

export const UpResult = z.strictObject({ instance: InstanceView, already_running: z.boolean(), timings: z.optional(StartTimings) });
export type UpResult = z.infer<typeof UpResult>;

export const InvokeResultSchema = z.strictObject({ value: z.unknown(), stdout: z.string(), stderr: z.string(), duration_ms: z.number(), exit_code: z.optional(z.int()) });
export type InvokeControlResult = z.infer<typeof InvokeResultSchema>;

export const ExecResultSchema = z.strictObject({
  exit_code: z.nullable(z.int()), signal: z.nullable(z.int()), stdout_b64: z.string(), stderr_b64: z.string(), duration_ms: z.number(),
});
export type ExecControlResult = z.infer<typeof ExecResultSchema>;

export const DownResult = z.strictObject({
  stopped: z.array(z.strictObject({
    name: z.string(),
    /** How the VM ended: the guest shut down after before_stop, or it was quit/killed after the deadline. */
    how: z.enum(["guest", "quit", "killed", "vanished", "already-dead"]),
    before_stop: z.nullable(z.strictObject({ ran: z.boolean(), exit_code: z.nullable(z.int()), timed_out: z.boolean() })),
  })),
});
export type DownResult = z.infer<typeof DownResult>;

/** One snapshot template as `mvmctl snapshot ls` shows it. */
export const TemplateView = z.strictObject({
  key: z.string(),
  /** `current`: an app of this home clones it; `stale`: none would (rebuilt, removed, another machine); `invalid`: unreadable. */
  status: z.enum(["current", "stale", "invalid"]),
  /** Why it is stale or invalid. */
  reason: z.optional(z.string()),
  /** The app it was made for, and the apps of this home that clone it now. */
  app: z.nullable(z.string()),
  apps: z.array(z.string()),
  image_sha256: z.nullable(z.string()),
  created_at: z.nullable(z.string()),
  ram_bytes: z.nullable(z.int()),
  /** What its files occupy on disk (the RAM file is sparse). */
  disk_bytes: z.int(),
  /** Running instances of this daemon cloned from it. */
  clones: z.int(),
  /** This daemon hashed its files against template.json. */
  verified: z.boolean(),
  boot_ms: z.nullable(z.number()),
  warm_call: z.nullable(z.string()),
});
export type TemplateView = z.infer<typeof TemplateView>;

export const ResultBodies = {
  status: StatusResult,
  stop: z.strictObject({}),
  up: UpResult,
  invoke: InvokeResultSchema,
  exec: ExecResultSchema,
  down: DownResult,
  ps: z.strictObject({ instances: z.array(InstanceView) }),
  logs: z.strictObject({ lines: z.array(z.string()) }),
  rmi: z.strictObject({ removed: z.string() }),
  snapshot_ls: z.strictObject({ templates: z.array(TemplateView) }),
  snapshot_rm: z.strictObject({ removed: z.array(TemplateView) }),
  snapshot_prune: z.strictObject({ removed: z.array(TemplateView), freed_bytes: z.int() }),
} satisfies Record<ControlMethod, z.ZodMiniType>;
export type ResultOf<M extends ControlMethod> = z.infer<(typeof ResultBodies)[M]>;

/** Streamed before the result. */
export const ControlEvent = z.discriminatedUnion("kind", [
  /** One timestamped line of the instance log (console, invoke output, lifecycle). */
  z.strictObject({ kind: z.literal("log"), line: z.string() }),
  z.strictObject({ kind: z.literal("warning"), message: z.string() }),
  /** Progress worth telling the waiting user (e.g. a snapshot template being made first). */
  z.strictObject({ kind: z.literal("notice"), message: z.string() }),
  /** `up --attach`: the instance is READY (the result comes when it stops). */
  z.strictObject({ kind: z.literal("ready"), instance: InstanceView, timings: z.optional(StartTimings) }),
]);
export type ControlEvent = z.infer<typeof ControlEvent>;

const errorCode = z.string().check(z.refine((c): c is ErrorCode => c in ERROR_CODES, "not a known error code"));

export const ControlError = z.strictObject({
  code: errorCode,
  message: z.string(),
  hint: z.optional(z.string()),
  /** For RUN_FUNCTION_ERROR: what the function raised, and what it printed before. */
  exception: z.optional(z.strictObject({ type: z.string(), message: z.string(), traceback: z.string() })),
  stdout: z.optional(z.string()),
  stderr: z.optional(z.string()),
});
export type ControlError = z.infer<typeof ControlError>;

export const ControlResponse = z.discriminatedUnion("type", [
  z.strictObject({ v, id, type: z.literal("event"), event: ControlEvent }),
  z.strictObject({ v, id, type: z.literal("result"), result: z.unknown() }),
  z.strictObject({ v, id: z.int().check(z.minimum(0)), type: z.literal("error"), error: ControlError }),
]);
export type ControlResponse = z.infer<typeof ControlResponse>;
