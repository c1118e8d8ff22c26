import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { MvmError } from "@mvm/ir";
import { chooseAccelerator, hostTscKhz, readAcceleratorFacts, type AcceleratorChoice } from "./accelerator.ts";
import type { Backend, ExitReason, GuestKernelSpec, RunningVm, SnapshotCapability, StopOptions, VmExit, VmSpec } from "./backend.ts";
import { followLines } from "./follow-lines.ts";
import { QmpClient } from "./qmp.ts";
import { QEMU_BINARY, qemuArgv } from "./qemu-argv.ts";
import { QemuSnapshots } from "./qemu-snapshots.ts";
import { adoptedProcess, isProcessAlive, processArgv, spawnedProcess, type VmmProcess } from "./vmm-process.ts";

const STDERR_TAIL_BYTES = 4000;
const QMP_CONNECT_DEADLINE_MS = 15_000;
// Short, so a boot-time bench measures the guest rather than the poll interval.
const CONSOLE_POLL_MS = 5;


export interface QemuBackendOptions {
  /** Use this accelerator instead of probing (the KVM boot check itself does this). */
  accel?: AcceleratorChoice;
  /**
   * Checks that KVM really boots `kernel`; returns a failure description or null. Without it (and without
   * `accel`) KVM is never trusted: /dev/kvm that opens is not proof (RUNTIME-NOTES.md §1).
   */
  kvmBootCheck?: (kernel: GuestKernelSpec | undefined) => Promise<string | null>;
}

/** The QEMU `-M microvm` backend (RUNTIME-NOTES.md Appendix A). */
export class QemuBackend implements Backend {
  readonly name = "qemu" as const;
  readonly channelKinds = ["virtio-serial"] as const;
  readonly snapshots: SnapshotCapability = new QemuSnapshots(this);
  private accelChoice: Promise<AcceleratorChoice> | undefined;

  constructor(private readonly options: QemuBackendOptions = {}) {}

  /** The accelerator VMs from this backend use, probed once (a KVM test boot uses `kernel`). */
  accelerator(kernel?: GuestKernelSpec): Promise<AcceleratorChoice> {
    const check = this.options.kvmBootCheck ?? (async () => "no KVM boot check was configured");
    this.accelChoice ??= this.options.accel
      ? Promise.resolve(this.options.accel)
      : chooseAccelerator(readAcceleratorFacts(), () => check(kernel));
    return this.accelChoice;
  }

  /** Spawns QEMU and resolves once its QMP monitor answers; the guest boots on from there. */
  start(spec: VmSpec): Promise<RunningVm> {
    return this.launch(spec);
  }

  /**
   * Spawns QEMU for `spec` plus `extraArgs`, with `extraFd` (when given) as the child's fd 3, and resolves
   * once its QMP monitor answers.
   */
  async launch(spec: VmSpec, extraArgs: string[] = [], extraFd?: number): Promise<QemuVm> {
    const accel = await this.accelerator(spec.kernel);
    const argv = [...qemuArgv(spec, accel, accel.accel === "tcg" ? hostTscKhz() : null), ...extraArgs];
    const sockets = [spec.controlSocket, ...(spec.channel ? [spec.channel.socketPath] : [])];
    await Promise.all(sockets.map((s) => rm(s, { force: true })));
    if (!spec.keepConsoleLog) await writeFile(spec.consoleLog, "");
    const fds = extraFd === undefined ? [] : [extraFd];
    let child: ChildProcess;
    let stderr: StderrSource;
    if (spec.detach) {
      // Own session (setsid) and a file for stderr: no pipe to a parent that may die, so a daemon crash
      // neither kills QEMU with the group's signals nor with SIGPIPE on its next write.
      const fd = openSync(spec.detach.stderrLog, "w", 0o600);
      try {
        child = spawn(QEMU_BINARY, argv, { detached: true, stdio: ["ignore", "ignore", fd, ...fds] });
      } finally {
        closeSync(fd);
      }
      child.unref();
      stderr = fileTail(spec.detach.stderrLog);
    } else {
      child = spawn(QEMU_BINARY, argv, { stdio: ["ignore", "ignore", "pipe", ...fds] });
      stderr = memoryTail(child);
    }
    const vm = new QemuVm(spawnedProcess(child), spec, sockets, stderr, child);
    await vm.connectMonitor();
    return vm;
  }

  async adopt(spec: VmSpec, pid: number): Promise<RunningVm> {
    const argv = processArgv(pid);
    // The control socket path is unique per VM, so it tells a reused pid from ours.
    if (!argv || !isProcessAlive(pid) || !argv.some((a) => a.includes(spec.controlSocket))) {
      throw new MvmError("BOOT_VMM_EXITED", `no VMM with control socket ${spec.controlSocket} runs as pid ${pid}`, "the VM is gone; start it again");
    }
    const sockets = [spec.controlSocket, ...(spec.channel ? [spec.channel.socketPath] : [])];
    const proc = adoptedProcess(pid);
    const vm = new QemuVm(proc, spec, sockets, spec.detach ? fileTail(spec.detach.stderrLog) : () => "", undefined, proc.checkNow);
    await vm.connectMonitor();
    return vm;
  }
}

type StderrSource = () => string;

function memoryTail(child: ChildProcess): StderrSource {
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => {
    tail = (tail + d).slice(-STDERR_TAIL_BYTES);
  });
  child.once("error", (err) => (tail += `\n${err.message}`));
  return () => tail;
}

function fileTail(path: string): StderrSource {
  return () => {
    try {
      return readFileSync(path, "utf8").slice(-STDERR_TAIL_BYTES);
    } catch {
      return "";
    }
  };
}

/** A QEMU process this backend started or adopted; `qmp` is for this package's own modules. */
export class QemuVm implements RunningVm {
  readonly exited: Promise<VmExit>;
  private readonly onMonitorClosed: () => void;
  private stage: ExitReason;
  private qmpClient: QmpClient | undefined;
  private released = false;

  constructor(
    private readonly proc: VmmProcess,
    readonly spec: VmSpec,
    private readonly sockets: string[],
    private readonly stderr: StderrSource,
    private readonly child?: ChildProcess,
    /** For adopted VMs: re-checks the pid now (QMP closing is a faster sign of exit than the poll). */
    onMonitorClosed?: () => void,
  ) {
    this.onMonitorClosed = () => {
      if (!this.released) onMonitorClosed?.();
    };
    this.stage = child ? "guest" : "vanished";
    this.exited = proc.ended.then(async (end) => {
      this.qmpClient?.close();
      await Promise.all(this.sockets.map((s) => rm(s, { force: true })));
      return { code: end.code, signal: end.signal, reason: this.stage };
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  get hasExited(): boolean {
    return this.proc.hasEnded;
  }

  stderrTail(): string {
    return this.stderr();
  }

  async connectMonitor(): Promise<void> {
    try {
      this.qmpClient = await QmpClient.connect(this.spec.controlSocket, QMP_CONNECT_DEADLINE_MS, () => !this.proc.hasEnded, this.onMonitorClosed);
    } catch (err) {
      if (!this.proc.hasEnded) this.proc.kill("SIGKILL");
      await this.exited;
      const text = this.stderr();
      const missing = /ENOENT/.test(text) && !!this.child;
      throw new MvmError(
        missing ? "BOOT_QEMU_MISSING" : "BOOT_VMM_EXITED",
        `${QEMU_BINARY} did not start: ${text.trim() || "no output"}`,
        missing ? "run: sudo apt-get install qemu-system-x86" : "check the VM spec and the message above",
        { cause: err },
      );
    }
  }

  /** Runs one QMP command on this VM's monitor. */
  qmp(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (!this.qmpClient) return Promise.reject(new MvmError("BOOT_QMP_FAILED", `no QMP connection to the VM (pid ${this.pid})`));
    return this.qmpClient.execute(command, args);
  }

  async waitForConsole(pattern: RegExp, opts: { deadlineMs: number; what: string }): Promise<string> {
    const deadline = Date.now() + opts.deadlineMs;
    const seen: string[] = [];
    let found: string | undefined;
    await followLines(this.spec.consoleLog, {
      pollMs: CONSOLE_POLL_MS,
      onLine: (line) => {
        if (pattern.test(line)) return (found = line), true;
        seen.push(line);
        if (seen.length > 20) seen.shift();
        return false;
      },
      keepWaiting: (pending) => {
        if (pattern.test(pending)) return (found = pending), false;
        const tail = [...seen, pending].join("\n").trim();
        if (this.hasExited) {
          throw new MvmError("BOOT_VMM_EXITED", `the VM exited before ${opts.what}; last console lines:\n${tail}\n${this.stderr().trim()}`, `see ${this.spec.consoleLog}`);
        }
        if (Date.now() > deadline) {
          throw new MvmError("BOOT_TIMEOUT", `${opts.what} did not happen within ${opts.deadlineMs} ms; last console lines:\n${tail}`, `see ${this.spec.consoleLog}`);
        }
        return true;
      },
    });
    return found!;
  }

  async stop(opts: StopOptions = {}): Promise<VmExit> {
    if (opts.askGuest && !this.hasExited) {
      this.stage = "guest";
      // A failed request still leaves the harder steps below.
      const asked = await opts.askGuest().then(() => true, () => false);
      if (asked && (await this.exitWithin(opts.guestDeadlineMs ?? 15_000))) return this.exited;
    }
    if (!this.hasExited) {
      this.stage = "quit";
      await this.qmpClient?.execute("quit").catch(() => undefined);
      if (await this.exitWithin(opts.quitDeadlineMs ?? 5_000)) return this.exited;
    }
    if (!this.hasExited) {
      this.stage = "killed";
      this.proc.kill("SIGKILL");
    }
    return this.exited;
  }

  release(): void {
    this.released = true;
    this.qmpClient?.close();
    this.proc.release();
  }

  private async exitWithin(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const done = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }
}
