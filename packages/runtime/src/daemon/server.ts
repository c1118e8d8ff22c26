/**
 * The daemon's control socket: accepts mvmctl connections, checks every request against the control
 * protocol's schema, hands it to the dispatcher and writes back its events and its one answer. A client's
 * bytes are untrusted like a guest's: a frame that breaks the protocol gets an error with id 0 and the
 * connection closes; nothing a client sends can throw out of here.
 */
import { chmod, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { MvmError } from "@mvm/ir";
import { GuestCallError } from "../channel/index.ts";
import { ControlFrameDecoder, encodeControlFrame } from "./control-codec.ts";
import { CONTROL_PROTOCOL_VERSION, ControlRequest, type ControlError, type ControlEvent } from "./control-protocol.ts";

/** Requests one connection may have unanswered at once. */
const MAX_REQUESTS_PER_CONNECTION = 256;

export interface RequestContext {
  /** Sends an event for this request (dropped once the client has gone). */
  emit(event: ControlEvent): void;
  /** Resolves when the client's connection closes. */
  readonly gone: Promise<void>;
  readonly isGone: () => boolean;
}

export type Dispatch = (request: ControlRequest, ctx: RequestContext) => Promise<unknown>;

/** Turns any thrown value into the wire error; MvmError details survive, anything else is internal. */
export function toControlError(err: unknown): ControlError {
  if (err instanceof GuestCallError) {
    const { exception, stdout, stderr } = err.frame;
    return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(exception ? { exception } : {}),
      ...(stdout === undefined ? {} : { stdout }), ...(stderr === undefined ? {} : { stderr }) };
  }
  if (err instanceof MvmError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: "RUN_AGENT_INTERNAL", message: `the daemon failed: ${err instanceof Error ? err.message : String(err)}`, hint: "see MVM_HOME/daemon.log" };
}

export interface ControlServer {
  /** Stops accepting and drops every connection (their streams end; calls in flight lose their answer). */
  close(): Promise<void>;
}

export async function serveControl(socketPath: string, dispatch: Dispatch, log: (line: string) => void): Promise<ControlServer> {
  await rm(socketPath, { force: true });
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    handleConnection(socket, dispatch, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  server.on("error", (err) => log(`control socket error: ${err.message}`));
  return {
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of connections) c.destroy();
      await closed;
      await rm(socketPath, { force: true });
    },
  };
}

function handleConnection(socket: Socket, dispatch: Dispatch, log: (line: string) => void): void {
  const decoder = new ControlFrameDecoder("client");
  let open = true;
  let inFlight = 0;
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => (markGone = resolve));
  const close = () => {
    if (!open) return;
    open = false;
    markGone();
    socket.destroy();
  };
  const send = (message: unknown) => {
    if (!open) return;
    try {
      socket.write(encodeControlFrame(message));
    } catch (err) {
      // Only an answer over the cap lands here; the request still gets its one answer, as an error.
      const id = (message as { id?: number }).id ?? 0;
      socket.write(encodeControlFrame({ v: CONTROL_PROTOCOL_VERSION, id, type: "error", error: toControlError(err) }));
    }
  };
  const refuse = (id: number, error: ControlError) => {
    send({ v: CONTROL_PROTOCOL_VERSION, id, type: "error", error });
    close();
  };
  socket.on("close", close);
  socket.on("error", close);
  socket.on("data", (data: Buffer) => {
    if (!open) return;
    let messages: unknown[];
    try {
      messages = decoder.push(data);
    } catch (err) {
      return refuse(0, toControlError(err));
    }
    for (const raw of messages) {
      const rawId = typeof raw === "object" && raw !== null && "id" in raw && Number.isInteger(raw.id) ? Number(raw.id) : 0;
      const rawV = typeof raw === "object" && raw !== null && "v" in raw ? raw.v : undefined;
      if (rawV !== CONTROL_PROTOCOL_VERSION) {
        return refuse(rawId, {
          code: "RUN_CONTROL_PROTOCOL",
          message: `this daemon speaks control protocol v${CONTROL_PROTOCOL_VERSION}; the client sent v${JSON.stringify(rawV)}`,
          hint: "the daemon is from another mvm version: stop it with mvmctl daemon stop (its VMs keep running and are re-adopted)",
        });
      }
      const parsed = ControlRequest.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return refuse(rawId, { code: "RUN_CONTROL_PROTOCOL", message: `bad control request: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` });
      }
      if (inFlight >= MAX_REQUESTS_PER_CONNECTION) {
        return refuse(rawId, { code: "RUN_CONTROL_PROTOCOL", message: `more than ${MAX_REQUESTS_PER_CONNECTION} requests unanswered on one connection` });
      }
      const request = parsed.data;
      inFlight++;
      const ctx: RequestContext = {
        emit: (event) => send({ v: CONTROL_PROTOCOL_VERSION, id: request.id, type: "event", event }),
        gone,
        isGone: () => !open,
      };
      dispatch(request, ctx).then(
        (result) => send({ v: CONTROL_PROTOCOL_VERSION, id: request.id, type: "result", result: result ?? {} }),
        (err: unknown) => {
          if (!(err instanceof MvmError)) log(`request ${request.method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          send({ v: CONTROL_PROTOCOL_VERSION, id: request.id, type: "error", error: toControlError(err) });
        },
      ).finally(() => inFlight--);
    }
  });
}
