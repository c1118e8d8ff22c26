/**
 * Snapshot templates on QEMU (RUNTIME-NOTES.md §6 and Appendix A): guest RAM lives in a file and the
 * `x-ignore-shared` migration capability leaves it out of the migration stream, so a template's saved state
 * is only its device state (~50 KB) and a clone maps the RAM file copy-on-write. QEMU 7.2 has no `file:`
 * migration URI; the state goes out over a Unix socket this process reads (no shell, and the end of the
 * stream is seen here rather than guessed) and comes back in as an inherited file descriptor.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MvmError } from "@mvm/ir";
import type { AcceleratorChoice } from "./accelerator.ts";
import { hostTscKhz } from "./accelerator.ts";
import type { GuestKernelSpec, RunningVm, SnapshotCapability, VmSpec } from "./backend.ts";
import { QEMU_BINARY, qemuArgv } from "./qemu-argv.ts";

/** A QEMU VM with its monitor reachable. */
export interface QmpVm extends RunningVm {
  qmp(command: string, args?: Record<string, unknown>): Promise<unknown>;
}

/** What the snapshot code needs of the QEMU backend. */
export interface QemuLauncher {
  accelerator(kernel?: GuestKernelSpec): Promise<AcceleratorChoice>;
  /** Spawns QEMU with `extraArgs` (and `extraFd` as its fd 3) and resolves once QMP answers. */
  launch(spec: VmSpec, extraArgs?: string[], extraFd?: number): Promise<QmpVm>;
}

const POLL_MS = 2;
/** Placeholders for what differs between a template and each of its clones. */
const PLACEHOLDER = { path: (what: string) => `/<${what}>`, mac: "00:00:00:00:00:00" };

export class QemuSnapshots implements SnapshotCapability {
  private version: Promise<string> | undefined;

  constructor(private readonly backend: QemuLauncher) {}

  vmmVersion(): Promise<string> {
    this.version ??= new Promise((resolve, reject) => {
      execFile(QEMU_BINARY, ["--version"], { timeout: 30_000 }, (err, stdout) => {
        const line = stdout.split("\n")[0]?.trim();
        if (err || !line) {
          reject(new MvmError("BOOT_QEMU_MISSING", `${QEMU_BINARY} --version failed: ${err?.message ?? "no output"}`, "run: sudo apt-get install qemu-system-x86", { cause: err }));
        } else {
          resolve(line);
        }
      });
    });
    return this.version;
  }

  async machineArgs(spec: VmSpec): Promise<string[]> {
    const accel = await this.backend.accelerator(spec.kernel);
    const p = PLACEHOLDER.path;
    const neutral: VmSpec = {
      ...spec,
      kernel: { ...spec.kernel, path: p("kernel"), ...(spec.kernel.initrd ? { initrd: p("initrd") } : {}) },
      ...(spec.rootfs ? { rootfs: p("rootfs") } : {}),
      consoleLog: p("console"),
      controlSocket: p("control"),
      ...(spec.channel ? { channel: { ...spec.channel, socketPath: p("channel") } } : {}),
      network: spec.network.mode === "user" ? { ...spec.network, mac: PLACEHOLDER.mac } : spec.network,
      memoryFile: { path: p("ram"), shared: false },
    };
    return qemuArgv(neutral, accel, accel.accel === "tcg" ? hostTscKhz() : null);
  }

  async saveTemplate(vm: RunningVm, statePath: string, deadlineMs: number): Promise<{ stateBytes: number; saveMs: number }> {
    const qvm = asQmpVm(vm);
    if (!vm.spec.memoryFile?.shared) throw new MvmError("SNAPSHOT_SAVE_FAILED", "a template VM needs its RAM in a shared memory file");
    const giveUpAt = Date.now() + deadlineMs;
    const started = performance.now();
    const receiver = await receiveState(statePath);
    try {
      await qvm.qmp("migrate-set-capabilities", { capabilities: [{ capability: "x-ignore-shared", state: true }] });
      await qvm.qmp("stop");
      await qvm.qmp("migrate", { uri: `unix:${receiver.socketPath}` });
      for (;;) {
        const status = (await qvm.qmp("query-migrate")) as { status?: string; "error-desc"?: string };
        if (status.status === "completed") break;
        if (status.status === "failed" || status.status === "cancelled") {
          throw new MvmError("SNAPSHOT_SAVE_FAILED", `QEMU's migration to the template state ${status.status}: ${status["error-desc"] ?? "no reason given"}`);
        }
        if (Date.now() > giveUpAt) throw new MvmError("SNAPSHOT_SAVE_FAILED", `the template state was not saved within ${deadlineMs} ms (migration ${status.status})`);
        await sleep(POLL_MS);
      }
      const stateBytes = await receiver.done(Math.max(1, giveUpAt - Date.now()));
      const saveMs = performance.now() - started;
      return { stateBytes, saveMs };
    } finally {
      receiver.close();
      // The RAM file must never change after the save: a template VM left running would write into it.
      await vm.stop({ quitDeadlineMs: 5_000 });
    }
  }

  async restore(spec: VmSpec, stateFd: number, deadlineMs: number): Promise<{ vm: RunningVm; restoreMs: number }> {
    if (!spec.memoryFile || spec.memoryFile.shared) throw new MvmError("SNAPSHOT_RESTORE_FAILED", "a clone maps its template's RAM file private (share=off)");
    const giveUpAt = Date.now() + deadlineMs;
    const vm = await this.backend.launch(spec, ["-incoming", "defer"], stateFd);
    const started = performance.now();
    try {
      await vm.qmp("migrate-set-capabilities", { capabilities: [{ capability: "x-ignore-shared", state: true }] });
      // fd:3 is the state file this process opened (and checked), handed to QEMU as its fd 3.
      await vm.qmp("migrate-incoming", { uri: "fd:3" });
      let status: string | undefined;
      for (;;) {
        status = ((await vm.qmp("query-status")) as { status?: string }).status;
        if (status !== "inmigrate") break;
        if (Date.now() > giveUpAt) throw new MvmError("SNAPSHOT_RESTORE_FAILED", `the clone did not finish loading its template's state within ${deadlineMs} ms`);
        await sleep(POLL_MS);
      }
      if (status !== "running") await vm.qmp("cont");
      return { vm, restoreMs: performance.now() - started };
    } catch (err) {
      await vm.stop({ quitDeadlineMs: 1_000 });
      const why = vm.stderrTail().trim();
      throw new MvmError("SNAPSHOT_RESTORE_FAILED", `QEMU could not restore the template: ${why || (err as Error).message}`, undefined, { cause: err });
    }
  }
}

function asQmpVm(vm: RunningVm): QmpVm {
  if (!("qmp" in vm) || typeof vm.qmp !== "function") throw new MvmError("SNAPSHOT_SAVE_FAILED", "the VM was not started by the QEMU backend");
  return vm as QmpVm;
}

interface StateReceiver {
  socketPath: string;
  /** Resolves with the bytes written once the stream ended and the file is flushed to disk. */
  done(deadlineMs: number): Promise<number>;
  close(): void;
}

/**
 * Listens on a short-named Unix socket (sun_path is 108 bytes; the cache dir may be deep) for QEMU's one
 * migration connection and writes what arrives to `statePath`, created new (0600).
 */
async function receiveState(statePath: string): Promise<StateReceiver> {
  const socketPath = join(tmpdir(), `mvm-save-${randomBytes(6).toString("hex")}.sock`);
  let settle!: (r: { bytes: number } | { error: Error }) => void;
  const finished = new Promise<{ bytes: number } | { error: Error }>((resolve) => (settle = resolve));
  const server: Server = createServer((socket) => {
    server.close();
    const out = createWriteStream(statePath, { flags: "wx", mode: 0o600, flush: true });
    let bytes = 0;
    socket.on("data", (d: Buffer) => (bytes += d.length));
    socket.pipe(out);
    let failed = false;
    // "close" comes after the flush (fsync) and close, so the state is on disk when `done` resolves.
    out.on("close", () => failed || settle({ bytes }));
    out.on("error", (error) => ((failed = true), socket.destroy(), settle({ error })));
    socket.on("error", (error) => settle({ error }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => (server.off("error", reject), resolve()));
  });
  return {
    socketPath,
    async done(deadlineMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ error: Error }>((resolve) => (timer = setTimeout(() => resolve({ error: new Error(`not written within ${deadlineMs} ms`) }), deadlineMs)));
      const r = await Promise.race([finished, timeout]);
      clearTimeout(timer);
      if ("error" in r) throw new MvmError("SNAPSHOT_SAVE_FAILED", `cannot write the template state ${statePath}: ${r.error.message}`, undefined, { cause: r.error });
      return r.bytes;
    },
    close() {
      server.close();
      void rm(socketPath, { force: true });
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
