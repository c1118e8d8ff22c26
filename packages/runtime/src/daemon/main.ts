/**
 * The host daemon process (`mvmctl daemon run`, started detached by mvmctl on first need): takes the
 * per-MVM_HOME lock, re-adopts the instances a previous daemon left, serves the control socket, and on
 * `mvmctl daemon stop` (or SIGTERM) lets go of its VMs — they keep running, in their own sessions — and
 * returns. It never exits the process itself; the CLI's main does.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { MvmError } from "@mvm/ir";
import { QemuBackend } from "@mvm/vmm";
import { kvmBootCheck } from "../kvm-boot-check.ts";
import { TemplateService } from "../snapshot/index.ts";
import { adoptInstances } from "./adopt.ts";
import { Daemon } from "./daemon.ts";
import { checkSocketPaths, daemonPaths } from "./home.ts";
import { takeDaemonLock } from "./lock.ts";
import { serveControl } from "./server.ts";

export interface DaemonRun {
  /** 0 after a clean stop; also 0 when another daemon already serves this home. */
  exitCode: number;
}

function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} [mvm-daemon ${process.pid}] ${line}\n`);
}

/** Runs the daemon for `home` until it is told to stop. */
export async function runDaemon(home: string): Promise<DaemonRun> {
  // Sockets, logs and state are the user's alone (MVM_HOME is 0700 too).
  process.umask(0o077);
  // A full disk must not turn log writes into a crash.
  process.stderr.on("error", () => undefined);
  process.stdout.on("error", () => undefined);
  checkSocketPaths(home);
  const paths = daemonPaths(home);
  await mkdir(paths.instancesDir, { recursive: true, mode: 0o700 });
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
  const unlock = await takeDaemonLock(home);
  if (!unlock) {
    logLine(`another daemon already serves ${home}; exiting`);
    return { exitCode: 0 };
  }
  // A bug here must not take every instance's supervision down with it: log it and keep serving.
  const onCrash = (err: unknown) => logLine(`internal error (kept running): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);

  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = () => requestStop();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", () => undefined);

  const backend = new QemuBackend({ kvmBootCheck });
  const ctx = { home, backend, templates: new TemplateService(backend, logLine), log: logLine };
  const daemon = new Daemon(ctx, requestStop);
  try {
    // A template VM whose daemon died would otherwise run on (and hold its ports) until the cache is swept.
    await ctx.templates.sweep();
    for (const instance of await adoptInstances(ctx)) daemon.instances.set(instance.name, instance);
    const server = await serveControl(paths.socket, (request, rc) => daemon.dispatch(request, rc), logLine);
    await writeFile(paths.pidFile, `${process.pid}\n`);
    logLine(`serving ${paths.socket}; ${daemon.instances.size} instance record(s) found`);
    await stopRequested;
    logLine("stopping: instances keep running and are re-adopted by the next daemon");
    await server.close();
    await daemon.releaseAll();
    await rm(paths.pidFile, { force: true });
    return { exitCode: 0 };
  } catch (err) {
    logLine(`daemon failed: ${err instanceof MvmError ? err.format() : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    throw err;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
    unlock();
  }
}
