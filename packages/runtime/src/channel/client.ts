import { MvmError } from "@mvm/ir";
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { ChunkAssembler, chunkFrames } from "./chunks.ts";
import { Complaints } from "./complaints.ts";
import { GuestCallError, WIRE_TO_RUN_CODE } from "./errors.ts";
import { encodeFrame, FrameDecoder } from "./frame-codec.ts";
import { HostRequests, type HostRequestHandler } from "./host-requests.ts";
import { checkMessageBudget } from "./message-budget.ts";
import { HelloScanner } from "./session-sync.ts";
import {
  GuestFrame, MAX_FRAME, MAX_ID, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
  type ExecResultFrame, type HelloOkFrame, type ResultFrame, type ShutdownOkFrame, type StartupTimings,
  type SyncOkFrame,
} from "@mvm/guest";

export type { HostRequestHandler } from "./host-requests.ts";
export { COMPLAINT_BURST } from "./complaints.ts";

export interface ChannelClientOptions {
  /** Handles guest `host_request` frames; without it they are answered `ok:false, code:"unsupported"`. */
  onHostRequest?: HostRequestHandler;
  /** Extra time past a call's own timeout before the host gives up on the guest's answer. */
  graceMs?: number;
}

/** What an invoke returned. `exitCode` is set for command entrypoints. */
export interface InvokeResult {
  value: unknown;
  stdout: string;
  stderr: string;
  durationMs: number;
  exitCode?: number;
}

export interface ExecResult {
  exitCode: number | null;
  signal: number | null;
  stdout: Buffer;
  stderr: Buffer;
  durationMs: number;
}

/** The agent became READY: its uptime then, the runner language and how long each start-up phase took. */
export interface ReadyInfo {
  uptimeMs: number;
  language: "python" | "node" | "command";
  timings: StartupTimings;
}

type GuestFrameT = GuestFrame;
interface Pending {
  expect: GuestFrameT["type"];
  resolve: (frame: GuestFrameT) => void;
  reject: (error: MvmError) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;
/** Strict: a frame that is not valid UTF-8 is a bad frame, not a string with replacement characters. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The host end of the guest channel. Every incoming frame is untrusted: sizes are capped before buffering,
 * every frame is checked against the zod schemas, and any violation closes the channel with a coded error
 * (`closedError`) and rejects the calls in flight — nothing is ever thrown out of the event loop. What one
 * channel may hold is bounded (PROTOCOL.md §Memory and time): one frame being read, MAX_PAYLOAD of chunked messages, 16
 * complaints, MAX_INFLIGHT running host requests; reading pauses while the write side is backed up.
 *
 * Call hello() right after connecting (and after every reconnect): it begins this client's session, so nothing the
 * agent queued for an earlier host can answer one of this client's ids.
 */
export class ChannelClient {
  private readonly decoder = new FrameDecoder(MAX_FRAME);
  private readonly assembler = new ChunkAssembler();
  private readonly pending = new Map<number, Pending>();
  private readonly hostRequests: HostRequests;
  /** This client's session nonce (PROTOCOL.md §Sessions), sent with every hello. */
  private readonly session = randomBytes(18).toString("base64url");
  /** From the first hello() until its hello_ok: bytes are scanned for that hello_ok, nothing else is read. */
  private scanner: HelloScanner | undefined;
  private sessionBegun = false;
  private readingPaused = false;
  private version: number | undefined;
  private nextId = 1;
  private nextStream = 1;
  private readyInfo: ReadyInfo | undefined;
  private failure: MvmError | undefined;
  private readyWaiters: { resolve: (r: ReadyInfo) => void; reject: (e: MvmError) => void }[] = [];
  private closeError: MvmError | undefined;
  private readonly closedPromise: Promise<MvmError>;
  private resolveClosed!: (e: MvmError) => void;
  private readonly complaints = new Complaints();

  constructor(private readonly stream: Duplex, private readonly options: ChannelClientOptions = {}) {
    this.hostRequests = new HostRequests(options.onHostRequest);
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    stream.on("data", (data: Buffer) => this.onData(data));
    stream.on("error", (err) => this.fail(new MvmError("RUN_CHANNEL_CLOSED", `channel error: ${err.message}`, undefined, { cause: err })));
    stream.on("close", () => this.fail(new MvmError("RUN_CHANNEL_CLOSED", "the guest closed the channel")));
  }

  /** Why the channel closed, once it has. */
  get closedError(): MvmError | undefined {
    return this.closeError;
  }

  /** Resolves with the closing error when the channel closes. */
  get closed(): Promise<MvmError> {
    return this.closedPromise;
  }

  /** Bytes held for partial frames, partial chunked messages and the hello_ok being looked for. */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes + this.assembler.bufferedBytes + (this.scanner?.bufferedBytes ?? 0);
  }

  /**
   * Frame-level complaints from the agent (`error` with id 0: it could not read something we sent), the most
   * recent 16 of them; `agentComplaintCount` counts them all. COMPLAINT_BURST of them in a row close the channel.
   */
  get agentComplaints(): readonly GuestCallError[] {
    return this.complaints.recent;
  }

  get agentComplaintCount(): number {
    return this.complaints.count;
  }

  /**
   * Negotiates the protocol version (PROTOCOL.md §Handshake) and, the first time, begins this client's session
   * (§Sessions): the agent drops what it queued for any earlier host, and this client ignores every byte before
   * its hello_ok. Calls made before the first hello() are rejected with RUN_SESSION_RESET (their replies belong to
   * no session). Calling it again is harmless: same session, nothing dropped.
   */
  async hello(): Promise<HelloOkFrame> {
    const id = this.allocateId();
    if (!this.sessionBegun && !this.closeError) this.beginSession(id);
    const frame = await this.request(id, "hello_ok",
      { type: "hello", min_v: MIN_PROTOCOL_VERSION, max_v: PROTOCOL_VERSION, session: this.session }, DEFAULT_CONTROL_TIMEOUT_MS);
    if (frame.type !== "hello_ok") throw this.unexpected(frame);
    if (frame.version < MIN_PROTOCOL_VERSION || frame.version > PROTOCOL_VERSION) {
      throw new MvmError("RUN_UNSUPPORTED_VERSION", `agent chose v${frame.version}; this host speaks v${MIN_PROTOCOL_VERSION}..v${PROTOCOL_VERSION}`);
    }
    this.version = frame.version;
    return frame;
  }

  /** The version the agent chose in hello_ok (undefined before); gate features with protocolHas(version, feature). */
  get protocolVersion(): number | undefined {
    return this.version;
  }

  async ping(timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<{ uptimeMs: number }> {
    const frame = await this.call("pong", { type: "ping" }, timeoutMs);
    if (frame.type !== "pong") throw this.unexpected(frame);
    return { uptimeMs: frame.uptime_ms };
  }

  /**
   * Calls the entrypoint (or `function`, another function of its module) with named inputs; rejects with
   * GuestCallError (RUN_FUNCTION_ERROR, RUN_TIMEOUT, …).
   */
  async invoke(input: Record<string, unknown>, options: { timeoutMs?: number; function?: string } = {}): Promise<InvokeResult> {
    const frame = await this.call("result", { type: "invoke", input, timeout_ms: options.timeoutMs, function: options.function },
      this.hostDeadline(options.timeoutMs));
    if (frame.type !== "result") throw this.unexpected(frame);
    const r: ResultFrame = frame;
    return { value: r.value, stdout: r.stdout, stderr: r.stderr, durationMs: r.duration_ms, ...(r.exit_code === undefined ? {} : { exitCode: r.exit_code }) };
  }

  /** Runs argv in the guest (hooks, debugging) and returns its exit status and output bytes. */
  async exec(argv: string[], options: { timeoutMs?: number; stdin?: Buffer } = {}): Promise<ExecResult> {
    const frame = await this.call(
      "exec_result",
      { type: "exec", argv, timeout_ms: options.timeoutMs, stdin_b64: options.stdin?.toString("base64") },
      this.hostDeadline(options.timeoutMs),
    );
    if (frame.type !== "exec_result") throw this.unexpected(frame);
    const r: ExecResultFrame = frame;
    return {
      exitCode: r.exit_code, signal: r.signal, durationMs: r.duration_ms,
      stdout: Buffer.from(r.stdout_b64, "base64"), stderr: Buffer.from(r.stderr_b64, "base64"),
    };
  }

  /**
   * Gives the agent this instance's own values (its id, env such as secret tokens). An agent with
   * `await_configure` starts before_start only after the first one; a later one updates hooks, commands and
   * the running runner's environment (values the app read at import time keep theirs).
   */
  async configure(values: { instanceId: string; env: Record<string, string>; mac?: string }): Promise<void> {
    const frame = await this.call("configure_ok", {
      type: "configure", instance_id: values.instanceId, env: values.env, ...(values.mac ? { mac: values.mac } : {}),
    }, DEFAULT_CONTROL_TIMEOUT_MS);
    if (frame.type !== "configure_ok") throw this.unexpected(frame);
  }

  /** Sets the guest clock and reseeds its RNG (after a snapshot restore). */
  async sync(epochMs: number, entropy: Buffer): Promise<SyncOkFrame> {
    const frame = await this.call("sync_ok", { type: "sync", epoch_ms: epochMs, entropy_b64: entropy.toString("base64") }, DEFAULT_CONTROL_TIMEOUT_MS);
    if (frame.type !== "sync_ok") throw this.unexpected(frame);
    return frame;
  }

  /** Asks the agent to run before_stop and stop; resolves with the reply sent just before it exits. */
  async shutdown(timeoutMs = 60_000): Promise<ShutdownOkFrame> {
    const frame = await this.call("shutdown_ok", { type: "shutdown" }, timeoutMs);
    if (frame.type !== "shutdown_ok") throw this.unexpected(frame);
    return frame;
  }

  /** Resolves when the agent reports READY; rejects when it reports a start-up failure or the deadline passes. */
  waitForReady(deadlineMs: number): Promise<ReadyInfo> {
    if (this.readyInfo) return Promise.resolve(this.readyInfo);
    if (this.failure) return Promise.reject(this.failure);
    if (this.closeError) return Promise.reject(this.closeError);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (r: ReadyInfo) => (clearTimeout(timer), resolve(r)),
        reject: (e: MvmError) => (clearTimeout(timer), reject(e)),
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new MvmError("RUN_NOT_READY", `the agent did not report READY within ${deadlineMs} ms`, "see the console log for mvm-agent: lines"));
      }, deadlineMs);
      this.readyWaiters.push(waiter);
    });
  }

  /**
   * Sends any request frame (`type` plus fields; `v` and `id` are added) and resolves with the validated reply.
   * For debugging and the conformance suite, which must send frames the typed methods never produce.
   */
  requestRaw(fields: Record<string, unknown> & { type: string }, expect: GuestFrameT["type"], deadlineMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<GuestFrameT> {
    return this.call(expect, fields, deadlineMs);
  }

  close(): void {
    this.fail(new MvmError("RUN_CHANNEL_CLOSED", "the channel was closed by the host"));
  }

  private hostDeadline(timeoutMs: number | undefined): number {
    return (timeoutMs ?? 60_000) + (this.options.graceMs ?? 5_000);
  }

  private unexpected(frame: GuestFrameT): MvmError {
    return new MvmError("RUN_BAD_FRAME", `unexpected ${frame.type} reply`);
  }

  private beginSession(helloId: number): void {
    if (this.scanner) return this.scanner.expect(helloId);
    const early = new MvmError("RUN_SESSION_RESET", "the call was made before hello() began this client's session; the agent drops its reply",
      "call hello() right after connecting, before any other call");
    this.rejectAll(early);
    this.scanner = new HelloScanner(helloId, this.session);
    this.assembler.reset();
    this.scanner.push(this.decoder.drain());
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
    return id;
  }

  private call(expect: GuestFrameT["type"], fields: Record<string, unknown>, deadlineMs: number): Promise<GuestFrameT> {
    return this.request(this.allocateId(), expect, fields, deadlineMs);
  }

  private request(id: number, expect: GuestFrameT["type"], fields: Record<string, unknown>, deadlineMs: number): Promise<GuestFrameT> {
    if (this.closeError) return Promise.reject(new MvmError("RUN_CHANNEL_CLOSED", "the channel is closed", undefined, { cause: this.closeError }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MvmError("RUN_TIMEOUT", `no ${expect} from the guest within ${deadlineMs} ms`));
      }, deadlineMs);
      this.pending.set(id, { expect, resolve, reject, timer });
      this.send({ v: PROTOCOL_VERSION, id, ...fields });
    });
  }

  private send(frame: Record<string, unknown>): void {
    const body = Buffer.from(JSON.stringify(frame), "utf8");
    if (body.length <= MAX_FRAME) return this.write(encodeFrame(body));
    const stream = this.nextStream++;
    for (const chunk of chunkFrames(stream, body)) this.write(encodeFrame(Buffer.from(JSON.stringify(chunk), "utf8")));
  }

  /**
   * Flow control (PROTOCOL.md §Flow control): while the socket holds more than its high-water mark, stop reading,
   * so a guest that sends requests but does not read the answers stops being read too. The agent never stops
   * reading, so the write side always drains and this cannot deadlock.
   */
  private write(bytes: Buffer): void {
    if (this.stream.write(bytes) || this.readingPaused) return;
    this.readingPaused = true;
    this.stream.pause();
    this.stream.once("drain", () => {
      this.readingPaused = false;
      if (!this.closeError) this.stream.resume();
    });
  }

  private onData(data: Buffer): void {
    if (this.closeError) return;
    try {
      if (this.scanner) {
        const found = this.scanner.push(data);
        if (!found) return;
        this.scanner = undefined;
        this.sessionBegun = true;
        this.onBody(found.body, false);
        if (this.closeError) return;
        data = found.rest;
      }
      for (const body of this.decoder.push(data)) {
        this.onBody(body, false);
        if (this.closeError) return;
      }
    } catch (err) {
      this.fail(err instanceof MvmError ? err : new MvmError("RUN_BAD_FRAME", String(err), undefined, { cause: err }));
    }
  }

  private onBody(body: Buffer, reassembled: boolean): void {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(body));
    } catch (err) {
      throw new MvmError("RUN_BAD_FRAME", `the guest sent a frame that is not UTF-8 JSON (${body.length} bytes)`, undefined, { cause: err });
    }
    const parsed = GuestFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MvmError("RUN_BAD_FRAME", `the guest sent a frame that breaks the schema: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
    }
    this.onFrame(parsed.data, reassembled);
  }

  private onFrame(frame: GuestFrameT, reassembled: boolean): void {
    switch (frame.type) {
      case "chunk": {
        if (reassembled) throw new MvmError("RUN_BAD_FRAME", "a chunked message may not contain a chunk");
        const whole = this.assembler.push(frame);
        if (!whole) return;
        checkMessageBudget(whole);
        return this.onBody(whole, true);
      }
      case "hello_ok":
        if (frame.session !== this.session) throw new MvmError("RUN_BAD_FRAME", "the guest answered hello with another session's nonce");
        return this.settle(frame.id, frame);
      case "ready":
        this.readyInfo = { uptimeMs: frame.uptime_ms, language: frame.language, timings: frame.timings };
        for (const w of this.readyWaiters.splice(0)) w.resolve(this.readyInfo);
        return;
      case "failed":
        this.failure = new MvmError(WIRE_TO_RUN_CODE[frame.code], `the agent failed to start: ${frame.message}`);
        for (const w of this.readyWaiters.splice(0)) w.reject(this.failure);
        return;
      case "host_request":
        return this.hostRequests.start(frame, (response) => {
          if (!this.closeError) this.send({ v: PROTOCOL_VERSION, type: "host_response", id: frame.id, ...response });
        });
      case "error":
        if (frame.id === 0) return this.complaints.add(new GuestCallError(frame));
        return this.settle(frame.id, frame);
      default:
        return this.settle(frame.id, frame);
    }
  }

  private settle(id: number, frame: GuestFrameT): void {
    const p = this.pending.get(id);
    if (!p) {
      // A late reply to a call the host already gave up on is fine; a reply to an id never issued is not.
      if (id >= this.nextId) throw new MvmError("RUN_BAD_FRAME", `the guest answered id ${id}, which the host never sent`);
      return;
    }
    if (frame.type !== p.expect && frame.type !== "error") {
      throw new MvmError("RUN_BAD_FRAME", `the guest answered id ${id} with ${frame.type}, expected ${p.expect}`);
    }
    this.pending.delete(id);
    clearTimeout(p.timer);
    this.complaints.replyArrived();
    if (frame.type === "error") p.reject(new GuestCallError(frame));
    else p.resolve(frame);
  }

  private rejectAll(error: MvmError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
  }

  private fail(error: MvmError): void {
    if (this.closeError) return;
    this.closeError = error;
    this.rejectAll(error);
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
    this.stream.destroy();
    this.resolveClosed(error);
  }
}
