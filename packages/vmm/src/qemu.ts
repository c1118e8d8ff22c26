import { spawn, type ChildProcess } from "node:child_process";
import { open, rm, writeFile } from "node:fs/promises";
import { MvmError } from "@mvm/ir";
import { chooseAccelerator, hostTscKhz, readAcceleratorFacts, type AcceleratorChoice } from "./accelerator.ts";
import type { Backend, ExitReason, GuestKernelSpec, RunningVm, StopOptions, VmExit, VmSpec } from "./backend.ts";
import { QmpClient } from "./qmp.ts";
import { QEMU_BINARY, qemuArgv } from "./qemu-argv.ts";

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
  async start(spec: VmSpec): Promise<RunningVm> {
    const accel = await this.accelerator(spec.kernel);
    const argv = qemuArgv(spec, accel, accel.accel === "tcg" ? hostTscKhz() : null);
    const sockets = [spec.controlSocket, ...(spec.channel ? [spec.channel.socketPath] : [])];
    await Promise.all(sockets.map((s) => rm(s, { force: true })));
    await writeFile(spec.consoleLog, "");
    const child = spawn(QEMU_BINARY, argv, { stdio: ["ignore", "ignore", "pipe"] });
    const vm = new QemuVm(child, spec, sockets);
    await vm.connectMonitor();
    return vm;
  }
}

class QemuVm implements RunningVm {
  readonly exited: Promise<VmExit>;
  private stage: ExitReason = "guest";
  private hasExited = false;
  private stderr = "";
  private qmp: QmpClient | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly spec: VmSpec,
    private readonly sockets: string[],
  ) {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_TAIL_BYTES);
    });
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.hasExited) return;
        this.hasExited = true;
        this.qmp?.close();
        void Promise.all(this.sockets.map((s) => rm(s, { force: true }))).finally(() =>
          resolve({ code, signal, reason: this.stage }),
        );
      };
      child.once("exit", finish);
      child.once("error", (err) => {
        this.stderr += `\n${err.message}`;
        finish(null, null);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async connectMonitor(): Promise<void> {
    try {
      this.qmp = await QmpClient.connect(this.spec.controlSocket, QMP_CONNECT_DEADLINE_MS, () => !this.hasExited);
    } catch (err) {
      if (!this.hasExited) this.child.kill("SIGKILL");
      await this.exited;
      const missing = /ENOENT/.test(this.stderr);
      throw new MvmError(
        missing ? "BOOT_QEMU_MISSING" : "BOOT_VMM_EXITED",
        `${QEMU_BINARY} did not start: ${this.stderr.trim() || "no output"}`,
        missing ? "run: sudo apt-get install qemu-system-x86" : "check the VM spec and the message above",
        { cause: err },
      );
    }
  }

  async waitForConsole(pattern: RegExp, opts: { deadlineMs: number; what: string }): Promise<string> {
    const deadline = Date.now() + opts.deadlineMs;
    const fh = await open(this.spec.consoleLog, "r");
    try {
      let offset = 0;
      let pending = "";
      const buf = Buffer.alloc(64 * 1024);
      const seen: string[] = [];
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead > 0) {
          offset += bytesRead;
          const lines = (pending + buf.subarray(0, bytesRead).toString("utf8")).split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) {
            if (pattern.test(line)) return line;
            seen.push(line);
            if (seen.length > 20) seen.shift();
          }
          continue;
        }
        if (pattern.test(pending)) return pending;
        const tail = [...seen, pending].join("\n").trim();
        if (this.hasExited) {
          throw new MvmError("BOOT_VMM_EXITED", `the VM exited before ${opts.what}; last console lines:\n${tail}\n${this.stderr.trim()}`, `see ${this.spec.consoleLog}`);
        }
        if (Date.now() > deadline) {
          throw new MvmError("BOOT_TIMEOUT", `${opts.what} did not happen within ${opts.deadlineMs} ms; last console lines:\n${tail}`, `see ${this.spec.consoleLog}`);
        }
        await new Promise((r) => setTimeout(r, CONSOLE_POLL_MS));
      }
    } finally {
      await fh.close();
    }
  }

  async stop(opts: StopOptions = {}): Promise<VmExit> {
    if (opts.askGuest && !this.hasExited) {
      // A failed request still leaves the harder steps below.
      const asked = await opts.askGuest().then(() => true, () => false);
      if (asked && (await this.exitWithin(opts.guestDeadlineMs ?? 15_000))) return this.exited;
    }
    if (!this.hasExited) {
      this.stage = "quit";
      await this.qmp?.execute("quit").catch(() => undefined);
      if (await this.exitWithin(opts.quitDeadlineMs ?? 5_000)) return this.exited;
    }
    if (!this.hasExited) {
      this.stage = "killed";
      this.child.kill("SIGKILL");
    }
    return this.exited;
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
