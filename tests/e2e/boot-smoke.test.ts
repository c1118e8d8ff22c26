// Boot smoke: a minimal image (Debian python3 + busybox + curl, the C agent, the Python runner, a tiny
// function and hooks like the seed's) booted under QEMU through our backend, then READY, ping, invoke,
// shutdown with before_stop, and the console log. Real kernel, real VM (TCG here). The kernel and base
// layer come from the shared cache (MVM_CACHE_DIR), built on first use; MVM_HOME is per test.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDebianBaseLayer, mkExt4, resolveGuestKernel, runCommand, type GuestKernel } from "@mvm/builder";
import {
  connectChannel, DEFAULT_AGENT_TIMEOUTS, defaultRunnerArgv, ensureAgentBinary, GUEST_RUNNER_PATHS, QemuBackend,
  renderHookScript, runnerSourcePaths, writeAgentConfig,
} from "@mvm/runtime";

const BOOT_TO_READY_MS = 120_000; // cold Python start is ~3.4 s on an idle machine; CI machines are not idle
const AGENT_PATH = "/sbin/mvm-agent";
const BEFORE_STOP_MARKER = "MVM-SMOKE-BEFORE-STOP";

const APP_PY = `import os

def greet(name, echo_env=None):
    if echo_env:
        return os.environ.get(echo_env)
    return f"hello {name}"
`;

const progress = (what: string) => (e: { phase: string; message?: string }) => process.stderr.write(`[${what}] ${e.phase} ${e.message ?? ""}\n`);
let kernel: GuestKernel;
let home: string;
let image: string;

/** Lays out the image tree on top of a copy of the cached base layer (README in guest/agent lists the paths). */
async function assembleImage(dir: string): Promise<string> {
  const base = await ensureDebianBaseLayer(["python3"], progress("base layer"));
  const root = join(dir, "root");
  await runCommand("cp", ["-a", base.root, root]);
  await copyFile(await ensureAgentBinary(), join(root, AGENT_PATH.slice(1)));
  await mkdir(join(root, "usr/lib/mvm"), { recursive: true });
  await copyFile(runnerSourcePaths().python, join(root, GUEST_RUNNER_PATHS.python.slice(1)));
  await writeFile(join(root, "app/app.py"), APP_PY);
  writeAgentConfig(root, {
    config_version: 1,
    language: "python",
    entrypoint: { kind: "function", module: "app", function: "greet", params: ["name", "echo_env"] },
    working_dir: "/app",
    env: {},
    runner_argv: defaultRunnerArgv("python"),
    health_port: 8080,
    max_inflight: 16,
    timeouts: { ...DEFAULT_AGENT_TIMEOUTS, after_start_ms: BOOT_TO_READY_MS },
  });
  const hooks = join(root, "etc/mvm/hooks");
  await mkdir(hooks, { recursive: true });
  await writeFile(join(hooks, "before_start.sh"), renderHookScript("before_start", [{ kind: "shell", line: "export HELLO_BANNER='hi'" }]));
  await writeFile(join(hooks, "after_start.sh"), renderHookScript("after_start", [{ kind: "argv", argv: ["curl", "-fsS", "http://127.0.0.1:8080/health"] }]));
  await writeFile(join(hooks, "before_stop.sh"), renderHookScript("before_stop", [{ kind: "shell", line: `echo ${BEFORE_STOP_MARKER} > /dev/console` }]));
  const out = join(dir, "rootfs.ext4");
  await mkExt4(root, out);
  await rm(root, { recursive: true, force: true });
  return out;
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), "mvm-smoke-"));
  process.env.MVM_HOME = home;
  kernel = await resolveGuestKernel(progress("kernel"));
  image = await assembleImage(home);
});
after(async () => {
  await rm(home, { recursive: true, force: true });
});

test("a Python image boots to READY, answers ping and invokes, runs its hooks, and shuts down cleanly", async () => {
  const dir = join(home, "instances", "smoke");
  await mkdir(dir, { recursive: true });
  const channelSocket = join(dir, "agent.sock");
  const consoleLog = join(dir, "console.log");
  const vm = await new QemuBackend().start({
    kernel: { path: kernel.vmlinux, flavour: kernel.flavour, initrd: kernel.initrd },
    rootfs: image,
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
