import { createConnection, type Socket } from "node:net";
import { MvmError } from "@mvm/ir";

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; command: string };

/**
 * A minimal QMP client over a Unix socket: greeting, `qmp_capabilities`, then one command at a time.
 * Asynchronous events are ignored. The capabilities reply is awaited before anything else is sent,
 * or every later reply is off by one (RUNTIME-NOTES.md gotcha 9).
 */
export class QmpClient {
  private buffer = "";
  private readonly pending: Pending[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket, private readonly onClosed?: () => void) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("close", () => this.onClose());
    socket.on("error", () => this.onClose());
  }

  /**
   * Connects, retrying until the VMM has created the socket or `deadlineMs` passes. `onClosed` runs when
   * the connection later ends (the VMM exited, or it was closed here).
   */
  static async connect(path: string, deadlineMs: number, isAlive: () => boolean = () => true, onClosed?: () => void): Promise<QmpClient> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const socket = await new Promise<Socket | null>((resolve) => {
        const s = createConnection(path);
        s.once("connect", () => resolve(s));
        s.once("error", () => resolve(null));
      });
      if (socket) {
        const client = new QmpClient(socket, onClosed);
        // QEMU serves one monitor client at a time: a second one connects but gets no greeting until the
        // first leaves, so the handshake has the same deadline as the connect.
        const timer = setTimeout(() => client.close(), Math.max(1, deadline - Date.now()));
        try {
          // The greeting arrives unprompted; it occupies the first reply slot.
          await client.expectReply("greeting");
          await client.execute("qmp_capabilities");
        } catch (err) {
          throw new MvmError("BOOT_QMP_FAILED", `QMP at ${path} connected but did not complete its handshake within ${deadlineMs} ms (is another client attached?)`, undefined, { cause: err });
        } finally {
          clearTimeout(timer);
        }
        return client;
      }
      if (!isAlive() || Date.now() > deadline) {
        throw new MvmError("BOOT_QMP_FAILED", `could not connect to QMP at ${path}`, "check the VMM's stderr; the VMM may have exited");
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Sends one command and resolves with its `return` value. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const reply = this.expectReply(command);
    if (!this.closed) this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private expectReply(command: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new MvmError("BOOT_QMP_FAILED", `QMP closed before ${command}`));
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, command }));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if ("event" in msg) continue;
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if ("error" in msg) {
        const e = msg.error as { class?: string; desc?: string };
        waiter.reject(new MvmError("BOOT_QMP_FAILED", `QMP ${waiter.command} failed: ${e.class ?? "?"}: ${e.desc ?? line}`));
      } else {
        waiter.resolve("QMP" in msg ? msg.QMP : msg.return);
      }
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed?.();
    for (const waiter of this.pending.splice(0)) {
      waiter.reject(new MvmError("BOOT_QMP_FAILED", `QMP connection closed before the reply to ${waiter.command}`));
    }
  }
}
