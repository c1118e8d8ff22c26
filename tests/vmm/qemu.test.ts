// Real boots of the guest kernel under the QEMU backend (TCG here). The kernel comes from the shared
// cache (built on first use, ~3 minutes on 2 cores) or MVM_KERNEL.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, type Socket } from "node:net";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOST_BUSYBOX, mkExt4, resolveGuestKernel, throttleProgress, writeBusyboxInitramfs, type GuestKernel } from "@mvm/builder";
import { isProcessAlive, QemuBackend, type VmSpec } from "@mvm/vmm";

const BOOT_DEADLINE_MS = 60_000;
let kernel: GuestKernel;
let work: string;
const backend = new QemuBackend();

before(async () => {
  // A cold cache builds the kernel here (minutes): show each phase and a heartbeat, not every make line.
  kernel = await resolveGuestKernel(throttleProgress((e) => process.stderr.write(`[kernel] ${e.phase} ${e.message ?? ""}\n`)));
  work = await mkdtemp(join(tmpdir(), "mvm-qemu-test-"));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

function specIn(dir: string, extra: Partial<VmSpec>): VmSpec {
  return {
    kernel: { path: kernel.vmlinux, flavour: kernel.flavour, initrd: kernel.initrd },
    cpus: 1,
    memoryMb: 128,
    network: { mode: "none" },
    consoleLog: join(dir, "console.log"),
    controlSocket: join(dir, "qmp.sock"),
    ...extra,
  };
}

test("boots a busybox initramfs to /init and exits when the guest reboots", async () => {
  const dir = join(work, "initramfs");
  await mkdir(dir);
  const initrd = join(dir, "initrd.cpio");
  await writeBusyboxInitramfs(initrd, "#!/bin/sh\n/bin/busybox mount -t proc proc /proc\necho MVM-BOOT-OK uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime)\n/bin/busybox reboot -f\n");
  const vm = await backend.start(specIn(dir, { kernel: { path: kernel.vmlinux, flavour: kernel.flavour, initrd } }));
  try {
    const line = await vm.waitForConsole(/MVM-BOOT-OK/, { deadlineMs: BOOT_DEADLINE_MS, what: "the /init marker MVM-BOOT-OK" });
    assert.match(line, /uptime=\d/);
    const exit = await vm.exited;
    assert.equal(exit.reason, "guest");
    assert.match(await readFile(join(dir, "console.log"), "utf8"), /MVM-BOOT-OK/);
  } finally {
    await vm.stop();
  }
});

/** A busybox-only ext4 root whose /init echoes every line from the mvm.agent port, and reboots on "halt". */
async function echoRootfs(dir: string): Promise<string> {
  const root = join(dir, "root");
  for (const d of ["bin", "dev", "proc", "sys", "tmp"]) await mkdir(join(root, d), { recursive: true });
  await copyFile(HOST_BUSYBOX, join(root, "bin/busybox"));
  await symlink("busybox", join(root, "bin/sh"));
  const init = `#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys; busybox mount -t devtmpfs dev /dev
for n in /sys/class/virtio-ports/*; do [ "$(busybox cat $n/name)" = mvm.agent ] && PORT=/dev/\${n##*/}; done
echo "MVM-ECHO-READY port=$PORT"
exec 3<>$PORT
while :; do
  read -r line <&3 || { busybox usleep 20000; continue; }
  case "$line" in
    halt) echo "MVM-ECHO-HALT"; busybox reboot -f ;;
    ignore) ;;
    *) echo "echo $line" >&3 ;;
  esac
done
`;
  await writeFile(join(root, "init"), init, { mode: 0o755 });
  const image = join(dir, "root.ext4");
  await mkExt4(root, image);
  return image;
}

async function connectWithin(path: string, deadlineMs: number): Promise<Socket> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const s = await new Promise<Socket | null>((resolve) => {
      const c = createConnection(path);
      c.once("connect", () => resolve(c));
      c.once("error", () => resolve(null));
    });
    if (s) return s;
    if (Date.now() > deadline) throw new Error(`could not connect to ${path} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function nextLine(s: Socket, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no line from the guest within ${deadlineMs} ms (got ${JSON.stringify(buf)})`)), deadlineMs);
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      s.off("data", onData);
      resolve(buf.slice(0, nl));
    };
    s.on("data", onData);
  });
}

test("boots an ext4 root read-only and carries lines both ways over the mvm.agent virtio-serial port; a guest-side stop exits as 'guest'", async () => {
  const dir = join(work, "ext4");
  await mkdir(dir);
  const rootfs = await echoRootfs(dir);
  const channelSocket = join(dir, "agent.sock");
  const vm = await backend.start(specIn(dir, { rootfs, channel: { kind: "virtio-serial", socketPath: channelSocket } }));
  try {
    const ready = await vm.waitForConsole(/MVM-ECHO-READY/, { deadlineMs: BOOT_DEADLINE_MS, what: "the echo /init marker" });
    assert.match(ready, /port=\/dev\/vport\dp\d/);
    const sock = await connectWithin(channelSocket, 10_000);
    sock.write("hello guest\n");
    assert.equal(await nextLine(sock, 30_000), "echo hello guest");
    const exit = await vm.stop({ askGuest: async () => void sock.write("halt\n"), guestDeadlineMs: 30_000 });
    assert.equal(exit.reason, "guest");
    assert.match(await readFile(join(dir, "console.log"), "utf8"), /MVM-ECHO-HALT/);
    sock.destroy();
  } finally {
    await vm.stop();
  }
});

test("stop falls back to QMP quit when the guest ignores the request", async () => {
  const dir = join(work, "quit");
  await mkdir(dir);
  const rootfs = await echoRootfs(dir);
  const channelSocket = join(dir, "agent.sock");
  const vm = await backend.start(specIn(dir, { rootfs, channel: { kind: "virtio-serial", socketPath: channelSocket } }));
  await vm.waitForConsole(/MVM-ECHO-READY/, { deadlineMs: BOOT_DEADLINE_MS, what: "the echo /init marker" });
  const sock = await connectWithin(channelSocket, 10_000);
  const exit = await vm.stop({ askGuest: async () => void sock.write("ignore\n"), guestDeadlineMs: 500 });
  sock.destroy();
  assert.equal(exit.reason, "quit");
});

test("a detached VMM runs in its own session with stderr in a file; another backend adopts it by pid, reconnects the channel, and sees it vanish when killed", async () => {
  const dir = join(work, "adopt");
  await mkdir(dir);
  const rootfs = await echoRootfs(dir);
  const channelSocket = join(dir, "agent.sock");
  const spec = specIn(dir, { rootfs, channel: { kind: "virtio-serial", socketPath: channelSocket }, detach: { stderrLog: join(dir, "qemu.log") } });
  const vm = await backend.start(spec);
  try {
    const stat = await readFile(`/proc/${vm.pid}/stat`, "utf8");
    const [pgid, sid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(2, 4).map(Number);
    assert.equal(pgid, vm.pid, "QEMU leads its own process group");
    assert.equal(sid, vm.pid, "and its own session, so the daemon's signals and terminal do not reach it");
    await vm.waitForConsole(/MVM-ECHO-READY/, { deadlineMs: BOOT_DEADLINE_MS, what: "the echo /init marker" });
    const first = await connectWithin(channelSocket, 10_000);
    first.write("one\n");
    assert.equal(await nextLine(first, 30_000), "echo one");
    first.destroy(); // as a daemon killed with -9 would
    vm.release();

    await assert.rejects(new QemuBackend().adopt({ ...spec, controlSocket: join(dir, "other.sock") }, vm.pid), /no VMM with control socket/);
    const adopted = await new QemuBackend().adopt(spec, vm.pid);
    assert.equal(adopted.pid, vm.pid);
    const second = await connectWithin(channelSocket, 10_000);
    second.write("two\n");
    assert.equal(await nextLine(second, 30_000), "echo two", "the chardev socket accepts a new host after the old one left");
    second.destroy();

    process.kill(vm.pid, "SIGKILL");
    const exit = await adopted.exited;
    assert.equal(exit.reason, "vanished", "an adopted VMM that exits unasked has no known status");
    assert.equal(adopted.hasExited, true);
  } finally {
    if (isProcessAlive(vm.pid)) process.kill(vm.pid, "SIGKILL");
  }
});
