import type { AcceleratorChoice } from "./accelerator.ts";

/**
 * The VMM backend contract. QEMU (`qemu.ts`) implements it today; a Firecracker backend would be a
 * second implementation with a vsock channel, not branches inside the QEMU one (STYLE.md §1).
 */

/** Which kernel build the VM boots; decides the machine and cmdline tweaks it tolerates. */
export type KernelFlavour =
  /** Our own kernel (no ACPI/PCI, virtio-mmio from the cmdline): acpi=off and noapictimer are safe. */
  | "mvm"
  /** Debian's cloud kernel: virtio is modular, ACPI must stay on, noapictimer breaks timers. */
  | "debian-cloud";

export interface GuestKernelSpec {
  /** An uncompressed PVH `vmlinux`. */
  path: string;
  flavour: KernelFlavour;
  /** An initramfs to pass with `-initrd`; Debian kernels need one that loads the virtio modules. */
  initrd?: string;
}

export interface PortForward {
  guest: number;
  host: number;
  proto: "tcp" | "udp";
}

export type NetworkSpec =
  /** No NIC at all: the guest has only `lo`. */
  | { mode: "none" }
  /**
   * User-mode (slirp) networking; each port is forwarded from 127.0.0.1 on the host. `mac` is the NIC's
   * address (`52:54:00:…`); without it QEMU gives every VM the same one.
   */
  | { mode: "user"; ports: PortForward[]; mac?: string };

/** How the host talks to the guest agent. */
export type ChannelSpec =
  /** A virtio-serial port named `name` (default `mvm.agent`) backed by a host Unix socket QEMU listens on. */
  | { kind: "virtio-serial"; socketPath: string; name?: string }
  /** A vsock port (Firecracker's userspace vsock: host Unix socket with a CONNECT handshake). Not implemented yet. */
  | { kind: "vsock"; socketPath: string; guestCid: number; port: number };

export interface VmSpec {
  kernel: GuestKernelSpec;
  /** A raw ext4 image attached read-only as the root disk (/dev/vda); omit to run from the initramfs. */
  rootfs?: string;
  /** Attach `rootfs` writable and mount it `rw` (the builder VM that runs before_build); default read-only. */
  rootfsWritable?: boolean;
  /** Path of the init program on the root disk; default `/init`. */
  init?: string;
  cpus: number;
  memoryMb: number;
  network: NetworkSpec;
  channel?: ChannelSpec;
  /** File that receives the guest serial console. */
  consoleLog: string;
  /** Unix socket path for the VMM's control channel (QMP for QEMU). */
  controlSocket: string;
  /** Extra kernel command-line words, appended last. */
  kernelArgs?: string[];
  /**
   * Guest RAM in a file instead of anonymous memory: the RAM of a snapshot template VM (`shared`, so the
   * file is the guest's memory), or a clone's private copy-on-write mapping of a template's file.
   */
  memoryFile?: { path: string; shared: boolean };
  /**
   * Under TCG, the most guest code QEMU keeps translated (`tb-size`), in MiB; past it QEMU flushes and translates
   * again. QEMU's default lets it grow to 1 GiB, and a Python boot leaves ~70 MiB of it resident for the VM's
   * life — most of an idle instance's cost (docs/snapshots.md §Measured). Absent: QEMU's default.
   */
  tcgTranslationCacheMb?: number;
  /** Append to `consoleLog` instead of starting it empty (a clone continues the log its template boot began). */
  keepConsoleLog?: boolean;
  /**
   * Detach the VMM into its own session and process group, with its stderr in `stderrLog`, so it outlives
   * the process that started it (the host daemon); `Backend.adopt` takes it over again after a restart.
   * Without it the VMM is a plain child whose stderr is kept in memory.
   */
  detach?: { stderrLog: string };
}

export type ExitReason =
  /** The guest shut itself down (`reboot -f` with `reboot=t` and `-no-reboot`). */
  | "guest"
  /** The VMM quit when asked through its control channel. */
  | "quit"
  /** The VMM was killed after the softer steps missed their deadlines. */
  | "killed"
  /** An adopted VMM (not our child) exited unasked; its exit status cannot be known. */
  | "vanished";

export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: ExitReason;
}

export interface StopOptions {
  /** Asks the guest agent to shut down (runs before_stop, then the guest reboots itself out of existence). */
  askGuest?: () => Promise<void>;
  /** How long the guest gets after `askGuest`; default 15 s. */
  guestDeadlineMs?: number;
  /** How long the VMM gets after a control-channel quit; default 5 s. */
  quitDeadlineMs?: number;
}

export interface RunningVm {
  readonly pid: number;
  readonly spec: VmSpec;
  /** Settles when the VMM process exits, however that happens. */
  readonly exited: Promise<VmExit>;
  /** True once the VMM process is gone. */
  readonly hasExited: boolean;
  /** The last few KiB the VMM wrote to stderr (why it refused to start, a hostfwd that failed). */
  stderrTail(): string;
  /** Resolves with the matching console line once it appears; fails on deadline or VMM exit. */
  waitForConsole(pattern: RegExp, opts: { deadlineMs: number; what: string }): Promise<string>;
  /** Graceful stop: the guest (if asked), then a VMM quit, then SIGKILL, each with a deadline. */
  stop(opts?: StopOptions): Promise<VmExit>;
  /**
   * Lets go of a VM without stopping it: closes the control connection (QEMU serves one monitor client at
   * a time, so a later `adopt` needs it free) and stops watching. `exited` then never settles.
   */
  release(): void;
}

/**
 * Snapshot templates (RUNTIME-NOTES.md §6): a VM whose RAM is a shared file saves its device state and quits;
 * clones map that file copy-on-write and resume from the state. A backend without it boots every VM cold.
 */
export interface SnapshotCapability {
  /** The VMM's identity (name and exact version): device state only restores into the VMM that saved it. */
  vmmVersion(): Promise<string>;
  /**
   * The VMM command line a spec boots with, with every path of this VM (sockets, logs, images, RAM file) and
   * its MAC replaced by a placeholder: what must be equal between a template and its clones.
   */
  machineArgs(spec: VmSpec): Promise<string[]>;
  /**
   * Stops `vm` (started with a shared `memoryFile`), writes its device state to `statePath`, then quits
   * it, so nothing writes the RAM file again. Resolves once the VMM has exited.
   */
  saveTemplate(vm: RunningVm, statePath: string, deadlineMs: number): Promise<{ stateBytes: number; saveMs: number }>;
  /**
   * Starts a clone: `spec` (whose `memoryFile` is the template's RAM, private) resumes from the device state
   * read from `stateFd`, an open file this call neither closes nor seeks. Resolves once the guest runs again.
   */
  restore(spec: VmSpec, stateFd: number, deadlineMs: number): Promise<{ vm: RunningVm; restoreMs: number }>;
}

export interface Backend {
  readonly name: "qemu" | "firecracker";
  /** The channel kinds this backend can attach. */
  readonly channelKinds: readonly ChannelSpec["kind"][];
  /** Present when this backend can make and clone snapshot templates. */
  readonly snapshots?: SnapshotCapability;
  /** The accelerator its VMs run under, decided once per backend (`kernel` is what a KVM check boots). */
  accelerator(kernel?: GuestKernelSpec): Promise<AcceleratorChoice>;
  start(spec: VmSpec): Promise<RunningVm>;
  /**
   * Takes over a VMM started earlier (by a host daemon that has since died) from its pid and the spec it was
   * started with: checks the pid still runs that VM, then reconnects to its control socket.
   */
  adopt(spec: VmSpec, pid: number): Promise<RunningVm>;
}
