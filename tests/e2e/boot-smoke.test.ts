// Boot smoke: the image `mvmctl build` makes for a small Python app with hooks like the seed's
// (fixtures/boot-smoke/app.py), booted under QEMU through our backend, then READY, ping, invoke, shutdown
// with before_stop, and the console log. Real kernel, real VM (TCG here). The kernel and layers come from
// the shared cache (MVM_CACHE_DIR), built on first use; MVM_HOME is per test.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { throttleProgress, type RegisteredApp } from "@mvm/builder";
import { AGENT_PATH } from "@mvm/guest";
import { connectChannel } from "@mvm/runtime";
import { QemuBackend } from "@mvm/vmm";
import { BEFORE_STOP_MARKER, buildSmokeApp } from "./smoke-app.test-helpers.ts";

/** A cold Python start is ~3.4 s on an idle machine; CI machines are not idle. */
const BOOT_TO_READY_MS = 120_000;

const progress = (what: string) => throttleProgress((e) => process.stderr.write(`[${what}] ${e.phase} ${e.message ?? ""}\n`));
let home: string;
let app: RegisteredApp;

before(async () => {
  home = await mkdtemp(join(tmpdir(), "mvm-smoke-"));
  process.env.MVM_HOME = home;
  app = await buildSmokeApp(home, progress("build"));
});
after(async () => {
  await rm(home, { recursive: true, force: true });
});

test("a Python image boots to READY, answers ping and invokes, runs its hooks, and shuts down cleanly", async () => {
  const dir = join(home, "instances", "smoke");
  await mkdir(dir, { recursive: true });
  const channelSocket = join(dir, "agent.sock");
  const consoleLog = join(dir, "console.log");
  const { kernel } = app.manifest;
  const vm = await new QemuBackend().start({
    kernel: { path: kernel.path, flavour: kernel.flavour, initrd: kernel.initrd },
    rootfs: app.imagePath,
    init: AGENT_PATH,
    cpus: 1,
    memoryMb: 256,
    network: { mode: "none" },
    channel: { kind: "virtio-serial", socketPath: channelSocket },
    consoleLog,
    controlSocket: join(dir, "qmp.sock"),
  });
  try {
    const client = await connectChannel(channelSocket, { deadlineMs: 30_000 });
    await client.hello();
    // Built images wait for their per-instance configure (what `up` sends) before before_start.
    await client.configure({ instanceId: "boot-smoke-1", env: {} });
    const ready = await client.waitForReady(BOOT_TO_READY_MS);
    assert.equal(ready.language, "python");

    const pong = await client.ping();
    assert.ok(pong.uptimeMs > 0);

    const greeting = await client.invoke({ name: "ari" });
    assert.equal(greeting.value, "hello ari");
    const banner = await client.invoke({ name: "ari", echo_env: "HELLO_BANNER" });
    assert.equal(banner.value, "hi", "before_start's export reaches the function");

    const exit = await vm.stop({ askGuest: async () => void (await client.shutdown()), guestDeadlineMs: 30_000 });
    assert.equal(exit.reason, "guest", "the guest shut itself down after before_stop");
  } finally {
    await vm.stop();
  }
  const log = await readFile(consoleLog, "utf8");
  const at = (s: string) => log.indexOf(s);
  for (const marker of ["mvm-agent: start", "mvm-agent: ready", BEFORE_STOP_MARKER, "mvm-agent: before_stop exit=0", "mvm-agent: shutdown"]) {
    assert.ok(at(marker) >= 0, `console log has "${marker}":\n${log}`);
  }
  assert.ok(at("mvm-agent: ready") < at(BEFORE_STOP_MARKER) && at(BEFORE_STOP_MARKER) < at("mvm-agent: shutdown"), "before_stop runs after READY and before the agent stops");
  assert.doesNotMatch(log, /Kernel panic|mvm-agent: failed/);
});
