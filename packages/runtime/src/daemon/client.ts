/**
 * The mvmctl side of the control socket. `connectDaemon` finds the daemon for MVM_HOME, starting it
 * detached on first need; `request` sends one call and resolves with its validated result, passing events
 * to `onEvent` on the way.
 */
import { createConnection, type Socket } from "node:net";
// Subpaths, not "@mvm/ir": its entry loads zod and every IR schema, which the CLI's daemon client never needs.
import { MvmError } from "@mvm/ir/errors";
import type { ErrorCode } from "@mvm/ir/error-codes";
import { ControlFrameDecoder, encodeControlFrame } from "./control-codec.ts";
import {
  CONTROL_PROTOCOL_VERSION, ControlResponse, ResultBodies,
  type ControlError, type ControlEvent, type ControlMethod, type ControlRequest, type ResultOf,
} from "./control-protocol.ts";
import { daemonPaths } from "./home.ts";
import { startDaemon } from "./spawn.ts";

/** An error the daemon answered with; `error` keeps what a function raised and printed. */
export class DaemonCallError extends MvmError {
  override name = "DaemonCallError";
  constructor(readonly error: ControlError) {
    super(error.code as ErrorCode, error.message, error.hint);
  }
}

type ParamsOf<M extends ControlMethod> = Extract<ControlRequest, { method: M }> extends { params: infer P } ? P : undefined;

interface Pending {
  method: ControlMethod;
  onEvent?: (event: ControlEvent) => void;
  resolve: (result: unknown) => void;
  reject: (err: MvmError) => void;
}

export interface ConnectOptions {
  /** argv that runs the daemon in the foreground (`mvmctl daemon run`); absent: never start one. */
  launcher?: string[];
}

function tryConnect(path: string): Promise<Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once("connect", () => resolve(socket));
    socket.once("error", (err) => (socket.destroy(), resolve(err)));
  });
}

/** Connects to the daemon serving `home`, starting it first when `launcher` is given and none answers. */
export async function connectDaemon(home: string, options: ConnectOptions = {}): Promise<DaemonClient> {
  const path = daemonPaths(home).socket;
  const first = await tryConnect(path);
  if (!(first instanceof Error)) return new DaemonClient(first);
  if (!options.launcher) {
    throw new MvmError("RUN_DAEMON_NOT_RUNNING", `no mvm daemon is running for MVM_HOME ${home} (${path}: ${first.code ?? first.message})`,
      "any mvmctl command that needs it (up, ps, ...) starts it");
  }
  await startDaemon(home, options.launcher, async () => {
    const s = await tryConnect(path);
    if (s instanceof Error) return false;
    s.destroy();
    return true;
  });
  const socket = await tryConnect(path);
  if (socket instanceof Error) throw new MvmError("RUN_DAEMON_START_FAILED", `the daemon started but ${path} refused: ${socket.message}`, "see MVM_HOME/daemon.log");
  return new DaemonClient(socket);
}

export class DaemonClient {
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new ControlFrameDecoder("daemon");
  private nextId = 1;
  private closedBy: MvmError | undefined;

  constructor(private readonly socket: Socket) {
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("close", () => this.fail(undefined));
    socket.on("error", (err) => this.fail(err));
  }

  /** Sends `method` and resolves with its result; rejects with DaemonCallError, or RUN_DAEMON_LOST. */
  request<M extends ControlMethod>(method: M, ...rest: ParamsOf<M> extends undefined ? [params?: undefined, onEvent?: (e: ControlEvent) => void] : [params: ParamsOf<M>, onEvent?: (e: ControlEvent) => void]): Promise<ResultOf<M>> {
    const [params, onEvent] = rest;
    if (this.closedBy) return Promise.reject(this.closedBy);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, onEvent, resolve: resolve as (r: unknown) => void, reject });
      this.socket.write(encodeControlFrame({ v: CONTROL_PROTOCOL_VERSION, id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  close(): void {
    this.closedBy ??= new MvmError("RUN_DAEMON_LOST", "the connection to the daemon was closed by this client");
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.decoder.push(data);
    } catch (err) {
      return this.fail(err instanceof Error ? err : undefined);
    }
    for (const raw of messages) {
      const parsed = ControlResponse.safeParse(raw);
      if (!parsed.success) {
        return this.fail(new MvmError("RUN_CONTROL_PROTOCOL", `the daemon sent a message this mvmctl cannot read: ${parsed.error.issues[0]?.message}`,
          "the daemon may be from another mvm version: mvmctl daemon stop, then retry"));
      }
      const message = parsed.data;
      const p = this.pending.get(message.id);
      if (!p) {
        // Id 0 is the daemon refusing a frame it could not read; any other unknown id is a second answer.
        if (message.type === "error" && message.id === 0) return this.fail(new DaemonCallError(message.error));
        return this.fail(new MvmError("RUN_CONTROL_PROTOCOL", `the daemon sent a ${message.type} for request ${message.id}, which has no call waiting (answered twice?)`));
      }
      if (message.type === "event") {
        p.onEvent?.(message.event);
        continue;
      }
      this.pending.delete(message.id);
      if (message.type === "error") {
        p.reject(new DaemonCallError(message.error));
        continue;
      }
      const result = ResultBodies[p.method].safeParse(message.result);
      if (result.success) p.resolve(result.data);
      else p.reject(new MvmError("RUN_CONTROL_PROTOCOL", `the daemon's ${p.method} result does not match the control protocol: ${result.error.issues[0]?.message}`));
    }
  }

  private fail(cause: Error | undefined): void {
    this.closedBy ??= cause instanceof MvmError ? cause : new MvmError("RUN_DAEMON_LOST", "the connection to the daemon closed", undefined, { cause });
    this.socket.destroy();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(cause instanceof MvmError ? cause : new MvmError("RUN_DAEMON_LOST",
        `the mvm daemon went away during ${p.method}${cause ? ` (${cause.message})` : ""}; the call was not retried${p.method === "invoke" ? " and may or may not have run in the guest" : ""}`,
        "mvmctl ps shows what is running now (the next command restarts the daemon, which re-adopts live VMs)", { cause }));
    }
  }
}
