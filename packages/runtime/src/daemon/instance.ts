/**
 * One instance as the daemon holds it: its record (state.json), its VM, the link to its agent, its logs,
 * and the one promise everything that needs READY waits on. Every state change is written to state.json
 * before it is acted on; a VM that ends without being asked marks the instance dead with the reason.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { MvmError } from "@mvm/ir";
import type { Backend, RunningVm, VmExit, VmSpec } from "@mvm/vmm";
import { isProcessAlive } from "@mvm/vmm";
import type { ReadyInfo } from "../channel/index.ts";
import { AgentLink } from "./agent-link.ts";
import { CallSlots } from "./call-slots.ts";
import { configureIfNeeded } from "./configure.ts";
import { ConsoleTail } from "./console-tail.ts";
import type { DownResult, InstanceView } from "./control-protocol.ts";
import { describeVmExit } from "./exit-reason.ts";
import { instancePaths, type InstancePaths } from "./home.ts";
import { InstanceLog } from "./instance-log.ts";
import type { CloneValues, TemplateService } from "../snapshot/index.ts";
import { instanceVmSpec } from "./vm-spec.ts";
import { InstanceEgress } from "../secrets/index.ts";
import { secretEnv, tokenMap } from "./secret-tokens.ts";
import type { InstanceRecord, InstanceState, StartTimings } from "./state.ts";
import { writeInstanceRecord } from "./store.ts";

export interface InstanceContext {
  home: string;
  backend: Backend;
  /** The daemon's snapshot templates. */
  templates: TemplateService;
  /** The daemon's own log. */
  log(line: string): void;
}

export type DownItem = DownResult["stopped"][number];

/** Console lines an error carries. */
const CONSOLE_TAIL_LINES = 20;
/** How long `down` gives the guest to exit after its agent answered `shutdown`. */
const GUEST_EXIT_MS = 15_000;
const QUIT_MS = 5_000;

export class Instance {
  readonly paths: InstancePaths;
  readonly log: InstanceLog;
  readonly slots: CallSlots;
  /** Host-mediated web_fetch/web_search for this instance's guest, knowing its live tokens. */
  readonly egress: InstanceEgress;
  vm: RunningVm | undefined;
  link: AgentLink | undefined;
  private tail: ConsoleTail | undefined;
  private readySettled = false;
  private resolveReady!: (info: ReadyInfo | undefined) => void;
  private rejectReady!: (err: MvmError) => void;
  /** Settles with READY, or rejects when start-up fails, the VM dies or `down` runs first. */
  readonly ready: Promise<ReadyInfo | undefined>;
  private stopping: Promise<DownItem> | undefined;
  private resolveEnded!: () => void;
  /** Resolves once the VM has ended (or at once for an instance that has none). */
  readonly ended: Promise<void>;
  markRemoved!: () => void;
  /** Resolves when the daemon has dropped this instance (down, or replaced by a new up of its name). */
  readonly removed = new Promise<void>((resolve) => (this.markRemoved = resolve));
  private vmGone: Promise<void> = Promise.resolve();
  invokeCount = 0;
  /** A clone re-adopted while starting: its clock, entropy and identity may still be the template's. */
  identityPending = false;

  constructor(private readonly ctx: InstanceContext, public record: InstanceRecord) {
    this.paths = instancePaths(ctx.home, record.name, record.id);
    this.log = new InstanceLog(this.paths.log, (m) => ctx.log(`${record.name}: ${m}`));
    this.slots = new CallSlots(() => this.link?.maxInflight ?? 1);
    this.egress = new InstanceEgress(record.name, tokenMap(record.secrets));
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    if (record.state.kind === "dead") this.resolveEnded();
  }

  get name(): string {
    return this.record.name;
  }

  /** Writes a new state to state.json, then adopts it in memory. */
  async setState(state: InstanceState, pid: number | null = this.record.pid): Promise<void> {
    const next = { ...this.record, state, pid };
    await writeInstanceRecord(this.ctx.home, next);
    this.record = next;
  }

  /** Records (or clears) the template the instance's VM is cloned from, before that VM exists. */
  async setTemplate(key: string | undefined): Promise<void> {
    const { template: _, ...rest } = this.record;
    const next: InstanceRecord = key ? { ...rest, template: { key } } : rest;
    await writeInstanceRecord(this.ctx.home, next);
    this.record = next;
  }

  vmSpec(): VmSpec {
    return instanceVmSpec(this.record, this.paths);
  }

  /** What the guest gets in `configure`: the instance's id, its secret tokens and its NIC address. */
  values(): CloneValues {
    return { instanceId: this.record.id, env: secretEnv(this.record.secrets), ...(this.record.mac ? { mac: this.record.mac } : {}) };
  }

  /** Starts following the console into the instance log. */
  async startLogging(): Promise<void> {
    this.tail = await ConsoleTail.start(this.paths.console, `${this.paths.console}.offset`, (line) => this.log.append("console", line));
  }

  /** Takes charge of a running VM: watches its exit and links to its agent (the caller connects the link). */
  attachVm(vm: RunningVm): AgentLink {
    this.vm = vm;
    this.vmGone = vm.exited.then((exit) => this.onVmExit(exit));
    this.link = new AgentLink(this.paths.agentSocket, {
      onConnected: async (client, hello) => {
        if (!this.identityPending) return configureIfNeeded(client, hello, this.values());
        // A clone whose daemon died before it was given its identity: its agent says configured (the
        // template was), so configure is not left to hello.configured.
        await client.sync(Date.now(), randomBytes(64));
        await client.configure(this.values());
        this.identityPending = false;
      },
      onReady: (info) => this.settleReady(undefined, info),
      onStartFailed: (err) => this.settleReady(err),
      onHostRequest: (request) => this.egress.handle(request.kind, request.payload),
      isVmAlive: () => !vm.hasExited,
      log: (line) => this.log.append("mvm", line),
    });
    return this.link;
  }

  /** Resolves or rejects `ready` once. */
  settleReady(err: MvmError | undefined, info?: ReadyInfo): void {
    if (this.readySettled) return;
    this.readySettled = true;
    if (err) this.rejectReady(err);
    else this.resolveReady(info);
  }

  /** Moves a starting instance to ready, with the timings when this daemon saw the whole start. */
  async markReady(timings: StartTimings | undefined): Promise<void> {
    await this.setState({ kind: "ready", ready_at: new Date().toISOString(), ...(timings ? { timings } : {}) });
    this.log.append("mvm", `ready${timings ? ` in ${(timings.total_ms / 1000).toFixed(1)} s` : ""}`);
  }

  /** Marks the instance dead (best effort on disk: the daemon's memory is the truth until it can write). */
  async markDead(reason: string): Promise<void> {
    this.settleReady(new MvmError("RUN_INSTANCE_DEAD", `instance ${this.name} is not running: ${reason}`));
    if (this.record.state.kind === "dead") return;
    const state: InstanceState = { kind: "dead", reason, ended_at: new Date().toISOString() };
    this.log.append("mvm", `dead: ${reason}`);
    await this.setState(state).catch((err: Error) => {
      this.record = { ...this.record, state };
      this.ctx.log(`${this.name}: ${err.message}`);
    });
  }

  private async onVmExit(exit: VmExit): Promise<void> {
    this.link?.close();
    await this.tail?.drain();
    this.tail?.stop();
    if (this.record.state.kind !== "stopping") {
      await this.markDead(describeVmExit(exit, this.record.pid, await this.consoleTail(), this.vm?.stderrTail() ?? ""));
    }
    this.resolveEnded();
  }

  /** Waits (briefly) for the exit handling of a VM that is gone, so callers report the truth. */
  async settleIfGone(deadlineMs = 2_000): Promise<boolean> {
    if (!this.vm || (!this.vm.hasExited && this.record.pid !== null && isProcessAlive(this.record.pid))) return false;
    await Promise.race([this.vmGone, new Promise((r) => setTimeout(r, deadlineMs))]);
    return true;
  }

  /** Whether the VM ends within `ms` (a channel that just closed often means it is going down). */
  async endsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      this.ended.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(timer);
    return ended;
  }

  /** The last lines of the guest console, for errors. */
  async consoleTail(lines = CONSOLE_TAIL_LINES): Promise<string> {
    const text = await readFile(this.paths.console, "utf8").catch(() => "");
    return text.split(/\r?\n/).filter((l) => l.trim() !== "").slice(-lines).join("\n");
  }

  /**
   * Graceful stop: the agent's shutdown (before_stop, bounded by its config), then QMP quit, then SIGKILL.
   * Any call waiting for READY fails with RUN_STOPPED. The caller removes the record afterwards.
   */
  down(timeoutMs: number): Promise<DownItem> {
    this.stopping ??= this.stop(timeoutMs);
    return this.stopping;
  }

  /** `down` has been asked for: a boot still spawning its VM must stop it instead of carrying on. */
  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  private async stop(timeoutMs: number): Promise<DownItem> {
    if (!this.vm || this.record.state.kind === "dead") {
      this.link?.close();
      this.tail?.stop();
      this.resolveEnded();
      return { name: this.name, how: "already-dead", before_stop: null };
    }
    await this.setState({ kind: "stopping" }).catch((err: Error) => this.ctx.log(`${this.name}: ${err.message}`));
    this.settleReady(new MvmError("RUN_STOPPED", `instance ${this.name} was brought down before it was READY`));
    this.log.append("mvm", "stopping");
    let beforeStop: DownItem["before_stop"] = null;
    const client = this.link?.client;
    const exit = await this.vm.stop({
      askGuest: client && this.record.pid !== null
        ? async () => void (beforeStop = (await client.shutdown(timeoutMs)).before_stop)
        : undefined,
      guestDeadlineMs: GUEST_EXIT_MS,
      quitDeadlineMs: QUIT_MS,
    });
    this.link?.close();
    await this.tail?.drain();
    this.tail?.stop();
    this.log.append("mvm", `stopped (${exit.reason})`);
    this.resolveEnded();
    return { name: this.name, how: exit.reason, before_stop: beforeStop };
  }

  /** Lets go of the VM without stopping it (the daemon is stopping; the next one re-adopts). */
  async release(): Promise<void> {
    this.link?.close();
    this.vm?.release();
    await this.tail?.drain();
    this.tail?.stop();
  }

  async view(): Promise<InstanceView> {
    await this.settleIfGone();
    const r = this.record;
    const live = r.state.kind !== "dead" && r.pid !== null;
    return {
      name: r.name, id: r.id, app: r.app, state: r.state, pid: live ? r.pid : null, created_at: r.created_at,
      uptime_ms: live ? Date.now() - Date.parse(r.created_at) : null,
      memory_bytes: live && r.pid !== null ? await residentBytes(r.pid) : null,
      network: r.network.mode, ports: r.network.ports,
      channel_connected: this.link?.isConnected ?? false,
      signer: r.signer ?? null,
    };
  }
}

async function residentBytes(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : null;
}
