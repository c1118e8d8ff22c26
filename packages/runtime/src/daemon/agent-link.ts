/**
 * The daemon's connection to one guest agent, kept up for the VM's life: connect, `hello` (after every
 * connect, PROTOCOL.md §Handshake), the caller's `onConnected` step (the per-instance `configure`), and a
 * reconnect with backoff whenever the channel closes while the VM still runs (a bad frame closes it by
 * design). READY and start-up failure are reported once, from whichever connection sees them first.
 */
import type { HelloOkFrame } from "@mvm/guest";
import { MvmError } from "@mvm/ir";
import { connectChannel, type ChannelClient, type HostRequestHandler, type ReadyInfo } from "../channel/index.ts";

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const RECONNECT_CONNECT_MS = 3_000;
/** waitForReady needs a deadline; the instance applies its own, so this only has to outlast it. */
const NO_DEADLINE_MS = 24 * 3600 * 1000;

export interface AgentLinkHooks {
  /** Runs after each connect + hello, before the link counts as connected; a throw closes and retries. */
  onConnected(client: ChannelClient, hello: HelloOkFrame): Promise<void>;
  /** The agent reported READY (`info` is absent when a reconnect found it already READY). */
  onReady(info: ReadyInfo | undefined): void;
  /** The agent reported that start-up failed. */
  onStartFailed(error: MvmError): void;
  /** Answers the guest's host_requests (web_fetch, web_search). */
  onHostRequest: HostRequestHandler;
  isVmAlive(): boolean;
  log(line: string): void;
}

export class AgentLink {
  private current: ChannelClient | undefined;
  private closed = false;
  private waiters: ((c: ChannelClient | undefined) => void)[] = [];
  /** The agent's max_inflight, from hello_ok.caps. */
  maxInflight = 1;

  constructor(private readonly socketPath: string, private readonly hooks: AgentLinkHooks) {}

  get client(): ChannelClient | undefined {
    return this.current;
  }

  get isConnected(): boolean {
    return this.current !== undefined;
  }

  /** First connection: retried until `deadlineMs` (the VM is still booting); later ones reconnect on their own. */
  async connect(deadlineMs: number): Promise<void> {
    const giveUpAt = Date.now() + deadlineMs;
    let last: unknown;
    while (!this.closed && this.hooks.isVmAlive() && Date.now() < giveUpAt) {
      try {
        await this.attach(Math.max(1, giveUpAt - Date.now()));
        return;
      } catch (err) {
        last = err;
        await sleep(RECONNECT_FIRST_MS);
      }
    }
    throw last instanceof MvmError ? last : new MvmError("RUN_CONNECT_FAILED", `could not reach the agent on ${this.socketPath}`, undefined, { cause: last });
  }

  /** The connected client, waiting up to `deadlineMs` for a reconnect in progress; undefined if none came. */
  async connected(deadlineMs: number): Promise<ChannelClient | undefined> {
    if (this.current || this.closed) return this.current;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(undefined);
      }, deadlineMs);
      const done = (c: ChannelClient | undefined) => (clearTimeout(timer), resolve(c));
      this.waiters.push(done);
    });
  }

  /** Closes the connection for good (down, or the daemon stopping); the VM is not touched. */
  close(): void {
    this.closed = true;
    this.current?.close();
    this.current = undefined;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private async attach(deadlineMs: number): Promise<void> {
    const client = await connectChannel(this.socketPath, { deadlineMs, onHostRequest: this.hooks.onHostRequest });
    try {
      const hello = await client.hello();
      await this.hooks.onConnected(client, hello);
      this.maxInflight = Math.max(1, hello.caps.max_inflight);
      if (this.closed) {
        client.close();
        return;
      }
      this.current = client;
      for (const w of this.waiters.splice(0)) w(client);
      void client.closed.then((why) => this.onClosed(client, why));
      if (hello.state === "ready") this.hooks.onReady(undefined);
      else if (hello.state === "failed") this.hooks.onStartFailed(new MvmError("RUN_HOOK_FAILED", "the agent reports that start-up failed (see the console log)"));
      else {
        client.waitForReady(NO_DEADLINE_MS).then(
          (info) => this.hooks.onReady(info),
          (err: unknown) => {
            // A closed channel is the reconnect's business; a `failed` event is the agent's verdict.
            if (err instanceof MvmError && err.code !== "RUN_CHANNEL_CLOSED" && err.code !== "RUN_NOT_READY" && !client.closedError) this.hooks.onStartFailed(err);
          },
        );
      }
    } catch (err) {
      client.close();
      throw err;
    }
  }

  private async onClosed(client: ChannelClient, why: MvmError): Promise<void> {
    if (this.current !== client) return;
    this.current = undefined;
    if (this.closed || !this.hooks.isVmAlive()) return;
    this.hooks.log(`the channel to the agent closed (${why.code}: ${why.message}); reconnecting`);
    await this.keepTrying();
  }

  /** Reconnects with backoff until connected, closed, or the VM is gone. */
  async keepTrying(): Promise<void> {
    let delay = RECONNECT_FIRST_MS;
    while (!this.closed && !this.current && this.hooks.isVmAlive()) {
      await sleep(delay);
      try {
        await this.attach(RECONNECT_CONNECT_MS);
        this.hooks.log("connected to the agent");
        return;
      } catch {
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
