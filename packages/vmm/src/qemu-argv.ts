import { AGENT_PORT_NAME } from "@mvm/guest";
import { MvmError } from "@mvm/ir";
import type { AcceleratorChoice } from "./accelerator.ts";
import type { VmSpec } from "./backend.ts";

export const QEMU_BINARY = "qemu-system-x86_64";
/** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
const MAX_UNIX_SOCKET_PATH = 107;
/** A unicast MAC as QEMU's mac= property takes it. */
export const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** The guest address and gateway slirp uses. */
const SLIRP_GUEST_IP = "10.0.2.15::10.0.2.2:255.255.255.0::eth0:off";

/** Escapes a value inside a QEMU `key=value,...` option, where `,` must be doubled. */
function optValue(value: string): string {
  return value.replaceAll(",", ",,");
}

function checkSocketPath(what: string, path: string): void {
  if (Buffer.byteLength(path) > MAX_UNIX_SOCKET_PATH) {
    throw new MvmError("BOOT_BAD_SPEC", `${what} ${path} is ${Buffer.byteLength(path)} bytes; Unix sockets allow ${MAX_UNIX_SOCKET_PATH}`, "use a shorter MVM_HOME");
  }
}

function checkSpec(spec: VmSpec): void {
  if (!Number.isInteger(spec.cpus) || spec.cpus < 1 || spec.cpus > 8) {
    throw new MvmError("BOOT_BAD_SPEC", `cpus is ${spec.cpus}; expected an integer from 1 to 8 (the kernel's NR_CPUS)`, "set resources.cpu_cores to 1..8");
  }
  if (!Number.isInteger(spec.memoryMb) || spec.memoryMb < 64) {
    throw new MvmError("BOOT_BAD_SPEC", `memoryMb is ${spec.memoryMb}; expected an integer of at least 64`, "set resources.memory_mb to 64 or more");
  }
  if (spec.network.mode === "user") {
    for (const p of spec.network.ports) {
      for (const port of [p.guest, p.host]) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          throw new MvmError("BOOT_BAD_SPEC", `port ${port} is not in 1..65535`, "fix network.ports");
        }
      }
    }
  }
  if (spec.channel?.kind === "vsock") {
    throw new MvmError("BOOT_BAD_SPEC", "the QEMU backend has no vsock here (no /dev/vhost-vsock)", "use a virtio-serial channel");
  }
  if (spec.network.mode === "user" && spec.network.mac !== undefined && !MAC_PATTERN.test(spec.network.mac)) {
    throw new MvmError("BOOT_BAD_SPEC", `MAC address ${spec.network.mac} is not six lowercase hex pairs`, "use e.g. 52:54:00:12:34:56");
  }
  if (spec.tcgTranslationCacheMb !== undefined && (!Number.isInteger(spec.tcgTranslationCacheMb) || spec.tcgTranslationCacheMb < 1)) {
    throw new MvmError("BOOT_BAD_SPEC", `tcgTranslationCacheMb is ${spec.tcgTranslationCacheMb}; expected a positive integer (MiB)`);
  }
  if (spec.memoryFile && !spec.memoryFile.path.startsWith("/")) {
    throw new MvmError("BOOT_BAD_SPEC", `memory file ${spec.memoryFile.path} is not an absolute path`);
  }
  if (spec.kernelArgs?.some((a) => /\s/.test(a) || a === "")) {
    throw new MvmError("BOOT_BAD_SPEC", `kernel arguments must be single non-empty words: ${JSON.stringify(spec.kernelArgs)}`, "split them into separate words");
  }
  checkSocketPath("control socket", spec.controlSocket);
  if (spec.channel) checkSocketPath("channel socket", spec.channel.socketPath);
}

/** The guest kernel command line for a spec, as separate words. */
export function kernelCmdline(spec: VmSpec, accel: AcceleratorChoice, tscKhz: number | null): string[] {
  const words = ["console=ttyS0", "reboot=t", "panic=-1", "quiet"];
  if (accel.accel === "tcg") {
    // Under TCG about 1 boot in 7 hangs unless the guest is told the host TSC rate (RUNTIME-NOTES.md §2).
    if (tscKhz) words.push(`tsc_early_khz=${tscKhz}`);
    words.push("no_timer_check");
    // Skips ~0.25 s of LAPIC timer calibration; only our kernel's PIT clockevent survives it (gotcha 3).
    if (spec.kernel.flavour === "mvm") words.push("noapictimer");
  }
  // Debian kernels spend ~160 ms in crypto self-tests; ours has them compiled out.
  if (spec.kernel.flavour === "debian-cloud") words.push("cryptomgr.notests");
  if (spec.rootfs) words.push("root=/dev/vda", spec.rootfsWritable ? "rw" : "ro", "rootfstype=ext4", `init=${spec.init ?? "/init"}`);
  if (spec.network.mode === "user") words.push(`ip=${SLIRP_GUEST_IP}`);
  words.push(...(spec.kernelArgs ?? []));
  return words;
}

/** The full `qemu-system-x86_64` argument vector for a spec under the chosen accelerator. */
export function qemuArgv(spec: VmSpec, accel: AcceleratorChoice, tscKhz: number | null): string[] {
  checkSpec(spec);
  // Our kernel has no ACPI; QEMU then lists the virtio-mmio devices on the cmdline (gotcha 5).
  // Debian kernels lack VIRTIO_MMIO_CMDLINE_DEVICES, so they need ACPI on (gotcha 4).
  const acpi = spec.kernel.flavour === "mvm" ? ",acpi=off" : "";
  const argv = [
    ...(accel.accel === "kvm"
      ? ["-accel", "kvm", "-cpu", "host"]
      : ["-accel", spec.tcgTranslationCacheMb ? `tcg,tb-size=${spec.tcgTranslationCacheMb}` : "tcg", "-cpu", "max"]),
    // rtc=on: with rtc=off the kernel waits out two 1 s RTC timeouts (gotcha 1).
    "-M", `microvm,x-option-roms=off,isa-serial=on,rtc=on${acpi}`,
    "-m", String(spec.memoryMb),
    "-smp", String(spec.cpus),
    "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
    // append=on opens with O_APPEND, so the daemon can truncate a console log that grew past its cap.
    "-chardev", `file,id=console,path=${optValue(spec.consoleLog)},append=on`,
    "-serial", "chardev:console",
    "-kernel", spec.kernel.path,
    ...(spec.kernel.initrd ? ["-initrd", spec.kernel.initrd] : []),
    "-append", kernelCmdline(spec, accel, tscKhz).join(" "),
  ];
  if (spec.rootfs) {
    argv.push(
      "-drive", `id=root,file=${optValue(spec.rootfs)},format=raw,if=none${spec.rootfsWritable ? "" : ",readonly=on"}`,
      "-device", "virtio-blk-device,drive=root",
    );
  }
  if (spec.channel?.kind === "virtio-serial") {
    argv.push(
      "-device", "virtio-serial-device",
      "-chardev", `socket,id=agent,path=${optValue(spec.channel.socketPath)},server=on,wait=off`,
      "-device", `virtserialport,chardev=agent,name=${spec.channel.name ?? AGENT_PORT_NAME}`,
    );
  }
  if (spec.network.mode === "user") {
    const fwds = spec.network.ports.map((p) => `,hostfwd=${p.proto}:127.0.0.1:${p.host}-:${p.guest}`).join("");
    const mac = spec.network.mac ? `,mac=${spec.network.mac}` : "";
    argv.push("-netdev", `user,id=net0${fwds}`, "-device", `virtio-net-device,netdev=net0${mac}`);
  }
  if (spec.memoryFile) {
    // RAM in a file (RUNTIME-NOTES.md §6): share=on makes the file the guest's memory (a template VM);
    // share=off maps it MAP_PRIVATE, so a clone's writes stay its own and the file never changes.
    argv.push(
      "-object", `memory-backend-file,id=mem,size=${spec.memoryMb}M,mem-path=${optValue(spec.memoryFile.path)},share=${spec.memoryFile.shared ? "on" : "off"}`,
      "-machine", "memory-backend=mem",
    );
  }
  argv.push("-qmp", `unix:${optValue(spec.controlSocket)},server=on,wait=off`);
  return argv;
}
