/**
 * The daemon's instances and what each control method does with them. One instance per name: a name is
 * taken from the moment an `up` for it begins until `down` removes its record, so two racing `up`s of one
 * name boot one VM (the second fails with RUN_INSTANCE_EXISTS, or with --if-not-running joins the first).
 */
import { removeApp } from "@mvm/builder";
import { APP_NAME_PATTERN, MvmError } from "@mvm/ir";
import type { ControlRequest, InstanceView, ResultOf } from "./control-protocol.ts";
import { CONTROL_PROTOCOL_VERSION } from "./control-protocol.ts";
import { execInstance, invokeInstance } from "./instance-calls.ts";
import { Instance, type InstanceContext } from "./instance.ts";
import type { RequestContext } from "./server.ts";
import { holdsVm } from "./state.ts";
import { listTemplateViews, pruneTemplates, removeTemplates, templatesOfApps, type SnapshotContext } from "./snapshots.ts";
import { removeInstanceFiles } from "./store.ts";
import { upInstance } from "./up.ts";

const DEFAULT_DOWN_TIMEOUT_MS = 30_000;

export class Daemon {
  readonly instances = new Map<string, Instance>();
  /** `up`s in progress by name, so a second one can join the first or be refused. */
  private readonly starting = new Map<string, Promise<Instance>>();
  private readonly startedAt = new Date();

  constructor(private readonly ctx: InstanceContext, private readonly requestStop: () => void) {}

  async dispatch(request: ControlRequest, rc: RequestContext): Promise<unknown> {
    switch (request.method) {
      case "status":
        return {
          pid: process.pid, protocol: CONTROL_PROTOCOL_VERSION, home: this.ctx.home, started_at: this.startedAt.toISOString(),
          uptime_ms: Date.now() - this.startedAt.getTime(), rss_bytes: process.memoryUsage().rss, instances: this.instances.size,
        } satisfies ResultOf<"status">;
      case "stop":
        setImmediate(this.requestStop);
        return {};
      case "up":
        return this.up(request.params, rc);
      case "invoke":
        return invokeInstance(this.get(request.params.name), {
          inputs: request.params.inputs, function: request.params.function, timeoutMs: request.params.timeout_ms,
        });
      case "exec":
        return execInstance(this.get(request.params.name), request.params.argv, request.params.timeout_ms,
          request.params.stdin_b64 === undefined ? undefined : Buffer.from(request.params.stdin_b64, "base64"));
      case "down":
        return this.down(request.params.all ? [...this.instances.keys()] : request.params.names, request.params.timeout_ms ?? DEFAULT_DOWN_TIMEOUT_MS);
      case "ps":
        return { instances: await this.views() };
      case "logs":
        return this.logs(request.params, rc);
      case "rmi":
        return this.rmi(request.params.app);
      case "snapshot_ls":
        return { templates: await listTemplateViews(this.snapshotContext()) };
      case "snapshot_rm":
        return { removed: await removeTemplates(this.snapshotContext(), request.params.selectors, request.params.all) };
      case "snapshot_prune":
        return pruneTemplates(this.snapshotContext());
      default:
        return request satisfies never;
    }
  }

  private get(name: string): Instance {
    const instance = this.instances.get(name);
    if (!instance) {
      throw new MvmError("RUN_INSTANCE_NOT_FOUND", `no instance named ${name}`, `mvmctl ps lists the instances; mvmctl up ${name} (or up APP --name ${name}) starts one`);
    }
    return instance;
  }

  private async up(params: Extract<ControlRequest, { method: "up" }>["params"], rc: RequestContext): Promise<ResultOf<"up">> {
    if (!APP_NAME_PATTERN.test(params.name)) {
      // The name becomes a directory under MVM_HOME/instances/: the app-name rule keeps it one.
      throw new MvmError("RUN_INPUT_INVALID", `instance name ${JSON.stringify(params.name)} is not valid: expected ${APP_NAME_PATTERN.source} (as app names)`,
        "use lowercase letters, digits and -, starting with a letter");
    }
    const existing = this.instances.get(params.name);
    const pending = this.starting.get(params.name);
    if (pending || (existing && holdsVm(existing.record.state))) {
      const app = existing?.record.app;
      if (!params.if_not_running || (app !== undefined && app !== params.app)) {
        const what = existing ? `${existing.record.state.kind} (app ${existing.record.app}, pid ${existing.record.pid ?? "-"})` : "starting";
        throw new MvmError("RUN_INSTANCE_EXISTS", `instance ${params.name} is already ${what}`,
          app !== undefined && app !== params.app ? `choose another --name for app ${params.app}` : `use --if-not-running to accept it, or mvmctl down ${params.name} first`);
      }
      const instance = existing ?? (pending ? await pending : undefined);
      if (!instance) throw new MvmError("RUN_INSTANCE_NOT_FOUND", `instance ${params.name} vanished while starting`);
      await instance.ready;
      return { instance: await instance.view(), already_running: true };
    }
    if (existing) {
      // A dead record of this name: replaced by the new instance.
      this.instances.delete(params.name);
      existing.markRemoved();
      await removeInstanceFiles(this.ctx.home, existing.record);
    }
    let created!: (i: Instance) => void;
    let failedEarly!: (e: unknown) => void;
    const registered = new Promise<Instance>((resolve, reject) => ((created = resolve), (failedEarly = reject)));
    registered.catch(() => undefined);
    this.starting.set(params.name, registered);
    let stopFollowing = () => {};
    try {
      const takenMacs = new Set([...this.instances.values()].flatMap((i) => (i.record.mac ? [i.record.mac] : [])));
      const outcome = await upInstance(this.ctx, {
        app: params.app, name: params.name, readyTimeoutMs: params.ready_timeout_ms, cold: params.cold === true, takenMacs,
      }, rc.emit, (instance) => {
        this.instances.set(params.name, instance);
        if (params.attach) stopFollowing = instance.log.follow((line) => rc.emit({ kind: "log", line }));
        created(instance);
      });
      const view = await outcome.instance.view();
      if (params.attach) {
        rc.emit({ kind: "ready", instance: view, timings: outcome.timings });
        await Promise.race([outcome.instance.ended, rc.gone]);
        return { instance: await outcome.instance.view(), already_running: false, timings: outcome.timings };
      }
      return { instance: view, already_running: false, timings: outcome.timings };
    } catch (err) {
      failedEarly(err);
      throw err;
    } finally {
      stopFollowing();
      this.starting.delete(params.name);
    }
  }

  private async down(names: string[], timeoutMs: number): Promise<ResultOf<"down">> {
    const instances = names.map((n) => this.get(n));
    const stopped = await Promise.all(instances.map(async (instance) => {
      const item = await instance.down(timeoutMs);
      await instance.log.flushed();
      if (this.instances.get(instance.name) === instance) this.instances.delete(instance.name);
      instance.markRemoved();
      await removeInstanceFiles(this.ctx.home, instance.record);
      return item;
    }));
    return { stopped };
  }

  async views(): Promise<InstanceView[]> {
    const all = [...this.instances.values()].sort((a, b) => a.name.localeCompare(b.name));
    return Promise.all(all.map((i) => i.view()));
  }

  private async logs(params: { name: string; follow: boolean; tail?: number }, rc: RequestContext): Promise<ResultOf<"logs">> {
    const instance = this.get(params.name);
    if (!params.follow) return { lines: await instance.log.read(params.tail) };
    const early: string[] = [];
    let live = false;
    const stop = instance.log.follow((line) => (live ? rc.emit({ kind: "log", line }) : early.push(line)));
    try {
      const lines = await instance.log.read(params.tail);
      const shown = new Set(lines.slice(-early.length - 1));
      for (const line of lines) rc.emit({ kind: "log", line });
      for (const line of early) if (!shown.has(line)) rc.emit({ kind: "log", line });
      live = true;
      // Follows until the client leaves or the instance is removed (down) — a dead one may be `up`ed again.
      await Promise.race([rc.gone, instance.removed]);
      return { lines: [] };
    } finally {
      stop();
    }
  }

  private async rmi(app: string): Promise<ResultOf<"rmi">> {
    const users = [...this.instances.values()].filter((i) => i.record.app === app && holdsVm(i.record.state)).map((i) => i.name);
    users.push(...[...this.starting.keys()].filter((n) => !users.includes(n) && this.instances.get(n)?.record.app === app));
    if (users.length > 0) {
      throw new MvmError("RUN_APP_IN_USE", `app ${app} is in use by running instance${users.length > 1 ? "s" : ""} ${users.join(", ")}`,
        `mvmctl down ${users.join(" ")} first`);
    }
    // The template the app cloned would be stale from here on: it goes with the app, unless another app of this
    // home has the same image and so clones it too.
    const before = await templatesOfApps(this.snapshotContext());
    await removeApp(app);
    const after = await templatesOfApps(this.snapshotContext());
    for (const [key, apps] of before) {
      if (apps.includes(app) && !after.has(key)) await this.ctx.templates.remove(key).catch((err: Error) => this.ctx.log(`rmi ${app}: ${err.message}`));
    }
    return { removed: app };
  }

  /** Lets go of every VM (they keep running) for the next daemon to re-adopt; template VMs are ended. */
  async releaseAll(): Promise<void> {
    await this.ctx.templates.stopAll();
    await Promise.all([...this.instances.values()].map((i) => i.release()));
  }

  private snapshotContext(): SnapshotContext {
    return { backend: this.ctx.backend, templates: this.ctx.templates, instances: () => this.instances.values() };
  }
}
