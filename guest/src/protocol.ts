/**
 * @module The host↔guest wire protocol: constants and a zod schema for every frame. This file is the single
 * source of truth; `guest/PROTOCOL.md` describes it and `guest/agent/protocol.h` is generated from it
 * (`npm run gen`, checked by protocol-h.test.ts).
 */
import * as z from "zod";

/** The protocol version this host speaks. `v` moves independently of mvm releases. */
export const PROTOCOL_VERSION = 2;
/** The oldest version this host still accepts in the hello handshake. */
export const MIN_PROTOCOL_VERSION = 2;

/**
 * Every change to the protocol, oldest first, each with the version that carries it and a feature name. guest/PROTOCOL.md's
 * Changes table has exactly one row per entry (protocol-doc.test.ts checks). A change adds its entry here and its row
 * there; a host that talks to agents of several versions gates on the version hello_ok chose with `protocolHas`.
 */
export const PROTOCOL_CHANGES = [
  { version: 1, feature: "base" },
  { version: 2, feature: "configure" },
  { version: 2, feature: "ready_timings" },
  { version: 2, feature: "invoke_function" },
  { version: 2, feature: "session" },
  { version: 2, feature: "message_budgets" },
  { version: 2, feature: "restore" },
] as const;
export type ProtocolFeature = (typeof PROTOCOL_CHANGES)[number]["feature"];

/** Whether an agent that chose `version` in hello_ok has `feature`. */
export function protocolHas(version: number, feature: ProtocolFeature): boolean {
  return PROTOCOL_CHANGES.some((c) => c.feature === feature && c.version <= version);
}

// The caps live in limits.ts (no zod there, so a light client can import them) and are part of this module's API.
export * from "./limits.ts";
import { MAX_CONFIGURE_VALUE, MAX_CONFIGURE_VARS, MAX_EXEC_ARGV, MAX_ID, SESSION_NONCE_MAX, SESSION_NONCE_MIN } from "./limits.ts";

/** Typed error codes carried in `error` frames and `failed` events. */
export const WIRE_ERROR_CODES = [
  "timeout",
  "payload_too_large",
  "runner_crashed",
  "invalid_entrypoint",
  "not_ready",
  "busy",
  "bad_frame",
  "unknown_type",
  "unsupported_version",
  "function_error",
  "hook_failed",
  "exec_failed",
  "internal",
] as const;
export const WireErrorCode = z.enum(WIRE_ERROR_CODES);
export type WireErrorCode = z.infer<typeof WireErrorCode>;

/** Where the agent is in its start-up: `starting` until after_start passed, then `ready`, or `failed`. */
export const AgentState = z.enum(["starting", "ready", "failed"]);
export type AgentState = z.infer<typeof AgentState>;

const v = z.literal(PROTOCOL_VERSION);
const requestId = z.number().int().min(1).max(MAX_ID);
const replyId = z.number().int().min(0).max(MAX_ID);
const count = z.number().int().min(0);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const timeoutMs = z.number().int().min(1).max(24 * 3600 * 1000);
/** An environment variable name (the IR's env key pattern). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
/** A function name in the entrypoint's module (`invoke --fn`). */
const functionName = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/);

/** A piece of a message larger than MAX_FRAME: the base64 of its UTF-8 JSON bytes, in order (§Chunking). */
export const ChunkFrame = z.strictObject({
  v, type: z.literal("chunk"), stream: requestId, seq: count, final: z.boolean(), data: base64,
});

/** A host session's nonce: fresh per ChannelClient, so an agent tells a reconnected host from the one before. */
const sessionNonce = z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${SESSION_NONCE_MIN},${SESSION_NONCE_MAX}}$`));

// ---- host → guest ----
export const HelloFrame = z.strictObject({
  v, type: z.literal("hello"), id: requestId, min_v: count, max_v: count, session: sessionNonce,
});
export const PingFrame = z.strictObject({ v, type: z.literal("ping"), id: requestId });
export const InvokeFrame = z.strictObject({
  v, type: z.literal("invoke"), id: requestId, input: z.record(z.string(), z.unknown()), timeout_ms: timeoutMs.optional(),
  /** Another function of the entrypoint's module; absent = the entrypoint's own function. */
  function: functionName.optional(),
});
/**
 * Per-instance values (the image is shared and read-only): the instance id and env (secret tokens, …).
 * With agent.json `await_configure`, the agent runs nothing of the app before the first one.
 */
export const ConfigureFrame = z.strictObject({
  v, type: z.literal("configure"), id: requestId, instance_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/),
  env: z.record(envName, z.string().max(MAX_CONFIGURE_VALUE).refine((s) => !s.includes("\0"), "no NUL bytes"))
    .refine((env) => Object.keys(env).length <= MAX_CONFIGURE_VARS, `at most ${MAX_CONFIGURE_VARS} variables`),
  /** The instance's own NIC address (feature `restore`): a clone restores its template's, which must not be shared. */
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/).optional(),
});
export const ExecFrame = z.strictObject({
  v, type: z.literal("exec"), id: requestId, argv: z.array(z.string()).min(1).max(MAX_EXEC_ARGV),
  timeout_ms: timeoutMs.optional(), stdin_b64: base64.optional(),
});
export const ShutdownFrame = z.strictObject({ v, type: z.literal("shutdown"), id: requestId });
export const SyncFrame = z.strictObject({
  v, type: z.literal("sync"), id: requestId, epoch_ms: count, entropy_b64: base64,
});
export const HostResponseFrame = z.strictObject({
  v, type: z.literal("host_response"), id: requestId, ok: z.boolean(), value: z.unknown().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export const HostFrame = z.discriminatedUnion("type", [
  HelloFrame, PingFrame, InvokeFrame, ExecFrame, ShutdownFrame, SyncFrame, HostResponseFrame, ConfigureFrame, ChunkFrame,
]);
export type HostFrame = z.infer<typeof HostFrame>;

// ---- guest → host (untrusted) ----
export const HelloOkFrame = z.strictObject({
  v, type: z.literal("hello_ok"), id: requestId,
  /** The nonce of the hello it answers; its body begins `{"v":V,"type":"hello_ok","id":N,"session":"…"`. */
  session: sessionNonce,
  version: count, agent: z.string().max(200), state: AgentState,
  /** Whether a `configure` frame has been applied (an agent with `await_configure` waits for one). */
  configured: z.boolean(),
  caps: z.strictObject({ max_frame: count, max_payload: count, max_inflight: count, chunk_bytes: count }),
});
/** How long each start-up phase took, in ms, as the agent measured it. */
export const StartupTimings = z.strictObject({
  /** From the agent's start to the first `configure` (0 without await_configure). */
  configure_wait_ms: count,
  before_start_ms: count,
  /** From before_start's end to the runner's `started` (0 for command entrypoints). */
  runner_import_ms: count,
  /** From the runner's start to after_start's first exit 0 (0 without an after_start hook). */
  after_start_ms: count,
});
export type StartupTimings = z.infer<typeof StartupTimings>;
export const ReadyFrame = z.strictObject({
  v, type: z.literal("ready"), uptime_ms: count, language: z.enum(["python", "node", "command"]), timings: StartupTimings,
});
export const ConfigureOkFrame = z.strictObject({ v, type: z.literal("configure_ok"), id: requestId });
export const FailedFrame = z.strictObject({ v, type: z.literal("failed"), code: WireErrorCode, message: z.string() });
export const PongFrame = z.strictObject({ v, type: z.literal("pong"), id: requestId, uptime_ms: count });
export const ResultFrame = z.strictObject({
  v, type: z.literal("result"), id: requestId, value: z.unknown(), stdout: z.string(), stderr: z.string(),
  duration_ms: count, exit_code: z.number().int().optional(),
});
export const ExceptionInfo = z.strictObject({ type: z.string(), message: z.string(), traceback: z.string() });
export const ErrorFrame = z.strictObject({
  v, type: z.literal("error"), id: replyId, code: WireErrorCode, message: z.string(),
  exception: ExceptionInfo.optional(), stdout: z.string().optional(), stderr: z.string().optional(),
});
export const ExecResultFrame = z.strictObject({
  v, type: z.literal("exec_result"), id: requestId, exit_code: z.number().int().nullable(),
  signal: z.number().int().nullable(), stdout_b64: base64, stderr_b64: base64, duration_ms: count,
});
export const ShutdownOkFrame = z.strictObject({
  v, type: z.literal("shutdown_ok"), id: requestId,
  before_stop: z.strictObject({ ran: z.boolean(), exit_code: z.number().int().nullable(), timed_out: z.boolean() }),
});
export const SyncOkFrame = z.strictObject({
  v, type: z.literal("sync_ok"), id: requestId, clock_set: z.boolean(), entropy_bytes: count, credited: z.boolean(),
  /**
   * The CRNG was reseeded from the entropy and the runner told to reseed (feature `restore`). Absent from agents
   * older than the feature: a host makes snapshot templates only of agents that send it.
   */
  reseeded: z.boolean().optional(),
});
export const HostRequestFrame = z.strictObject({
  v, type: z.literal("host_request"), id: requestId, kind: z.string().min(1).max(64), payload: z.unknown(),
});
export const GuestFrame = z.discriminatedUnion("type", [
  HelloOkFrame, ReadyFrame, FailedFrame, PongFrame, ResultFrame, ErrorFrame, ExecResultFrame, ShutdownOkFrame,
  SyncOkFrame, HostRequestFrame, ConfigureOkFrame, ChunkFrame,
]);
export type GuestFrame = z.infer<typeof GuestFrame>;
export type ResultFrame = z.infer<typeof ResultFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ExecResultFrame = z.infer<typeof ExecResultFrame>;
export type HelloOkFrame = z.infer<typeof HelloOkFrame>;
export type ShutdownOkFrame = z.infer<typeof ShutdownOkFrame>;
export type SyncOkFrame = z.infer<typeof SyncOkFrame>;
export type HostRequestFrame = z.infer<typeof HostRequestFrame>;

/** Message types in each direction, in the order protocol.h lists them. */
export const HOST_FRAME_TYPES = ["hello", "ping", "invoke", "exec", "shutdown", "sync", "host_response", "configure", "chunk"] as const;
export const GUEST_FRAME_TYPES = [
  "hello_ok", "ready", "failed", "pong", "result", "error", "exec_result", "shutdown_ok", "sync_ok", "host_request", "configure_ok", "chunk",
] as const;
