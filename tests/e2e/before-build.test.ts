// before_build inside a builder microVM, end to end: a TypeScript app (declared with python_image, so the
// build adds Node) whose before_build writes an absolute path. That path stays absent on the host and is
// present in the image; the builder VM had no network; /tmp writes are not sealed; the output streamed
// prefixed. The image then boots: the function answers, and its exception's traceback names the user's
// .ts line. A failing before_build reports its exit code and last 20 lines and leaves the earlier
// registration of the same name in place. Real QEMU under the host's accelerator (TCG here).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mvmCacheDir, readApp } from "@mvm/builder";
import { AGENT_PATH } from "@mvm/guest";
import { connectChannel, GuestCallError } from "@mvm/runtime";
import { QemuBackend } from "@mvm/vmm";
import { compileTo, errorCode, leftovers, mvmctl, tmpSnapshot, writeApp } from "./build.test-helpers.ts";
import { imageFile, imageHas } from "./image-files.test-helpers.ts";

const BOOT_TO_READY_MS = 180_000;
const work = mkdtempSync(join(tmpdir(), "mvm-before-build-"));
const home = join(work, "home");
// Unique per run, so "absent on the host" cannot be an accident of an earlier run.
const proof = `/var/lib/mvm-before-build-proof-${process.pid}-${Date.now()}/marker.txt`;
const THROW_LINE = 13;
const APP_TS = `import * as mvm from "mvm-sdk";

export const greet = mvm.app({
  name: "bb-probe",
  image: mvm.python_image({ python: "3.13" }),
  entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" }),
  before_build: [
    "echo before_build-started",
    "mkdir -p ${proof.slice(0, proof.lastIndexOf("/"))} && echo sealed > ${proof}",
    ["sh", "-c", "ls /sys/class/net > /app/net.txt; echo scratch > /tmp/scratch.txt; node --version > /app/node-version.txt"],
  ],
})((name: string): string => {
  if (name === "boom") throw new Error("no greeting for " + name);
  return \`hello \${name}\`;
});
`;

let built: ReturnType<typeof mvmctl>;
let image: string;
before(() => {
  assert.equal(APP_TS.split("\n")[THROW_LINE - 1]?.includes("throw new Error"), true, "THROW_LINE points at the throw");
  const app = writeApp({ "app.ts": APP_TS });
  compileTo(join(app, "app.ts"), join(work, "out"));
  built = mvmctl(["build", join(work, "out")], { MVM_HOME: home });
  assert.equal(built.status, 0, built.stderr);
  image = join(home, "apps/bb-probe/rootfs.ext4");
});
after(() => rmSync(work, { recursive: true, force: true }));

test("what before_build wrote to an absolute path is in the image and was never written on the host", () => {
  assert.equal(existsSync(proof), false, `${proof} must not exist on the host`);
  assert.equal(imageFile(image, proof), "sealed\n");
});

test("the builder VM ran after the runtime was installed, without a network, and its /tmp was not sealed", () => {
  assert.equal(imageFile(image, "/app/net.txt"), "lo\n", "network none: only the loopback device");
  assert.match(imageFile(image, "/app/node-version.txt"), /^v22\.\d+\.\d+\n$/);
  assert.equal(imageHas(image, "/tmp/scratch.txt"), false);
  assert.equal(imageHas(image, "/.mvm-build"), false, "the builder's scaffolding is gone");
});

test("before_build's output streamed to the terminal, prefixed, and the manifest records the layer", async () => {
  assert.match(built.stderr, /^before_build \| before_build-started$/m);
  const manifest = JSON.parse(readFileSync(join(home, "apps/bb-probe/manifest.json"), "utf8")) as { layers: { name: string }[] };
  assert.ok(manifest.layers.some((l) => l.name === "before_build"));
});

test("the image boots: the function answers, and a thrown error's traceback names the user's .ts line", async () => {
  process.env.MVM_HOME = home;
  const { manifest, imagePath } = await readApp("bb-probe");
  const dir = join(work, "vm");
  mkdirSync(dir);
  const vm = await new QemuBackend().start({
    kernel: { path: manifest.kernel.path, flavour: manifest.kernel.flavour, ...(manifest.kernel.initrd ? { initrd: manifest.kernel.initrd } : {}) },
    rootfs: imagePath,
    init: AGENT_PATH,
    cpus: 1,
    memoryMb: 256,
    network: { mode: "none" },
    channel: { kind: "virtio-serial", socketPath: join(dir, "agent.sock") },
    consoleLog: join(dir, "console.log"),
    controlSocket: join(dir, "qmp.sock"),
  });
  try {
    const client = await connectChannel(join(dir, "agent.sock"), { deadlineMs: 30_000 });
    await client.hello();
    // Built images wait for their per-instance configure (what `up` sends) before before_start.
    await client.configure({ instanceId: "bb-probe-1", env: {} });
    assert.equal((await client.waitForReady(BOOT_TO_READY_MS)).language, "node");
    assert.equal((await client.invoke({ name: "ari" })).value, "hello ari");
    const err = await client.invoke({ name: "boom" }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof GuestCallError && err.code === "RUN_FUNCTION_ERROR", String(err));
    assert.match(err.frame.exception?.traceback ?? "", new RegExp(`/app/app\\.ts:${THROW_LINE}:`));
    await vm.stop({ askGuest: async () => void (await client.shutdown()), guestDeadlineMs: 30_000 });
  } finally {
    await vm.stop();
    delete process.env.MVM_HOME;
  }
  assert.doesNotMatch(readFileSync(join(dir, "console.log"), "utf8"), /Kernel panic|mvm-agent: failed/);
});

test("a failing before_build fails the build with its exit code and last 20 lines; the earlier bb-probe stays registered", () => {
  const failing = APP_TS.replace('"echo before_build-started",', '"for i in $(seq 1 30); do echo line-$i; done; (exit 7)",');
  const app = writeApp({ "app.ts": failing });
  compileTo(join(app, "app.ts"), join(work, "out-failing"));
  const registered = readFileSync(join(home, "apps/bb-probe/manifest.json"), "utf8");
  const since = tmpSnapshot();
  const r = mvmctl(["build", join(work, "out-failing")], { MVM_HOME: home });
  assert.equal(r.status, 1);
  assert.equal(errorCode(r.stderr), "BUILD_HOOK_FAILED", r.stderr);
  const message = r.stderr.slice(r.stderr.indexOf("error[BUILD_HOOK_FAILED]"));
  assert.match(message, /before_build command 1 of 3 exited with 7/);
  // The last 20 lines: line-12 … line-30 and the hook runner's own line naming the command.
  assert.match(message, /lines:\nline-12\n[\s\S]*line-30\nmvm-hook: before_build command 1 of 3 exited with 7\n/);
  assert.doesNotMatch(message, /line-11\n/, "only the last 20 lines");
  assert.equal(readFileSync(join(home, "apps/bb-probe/manifest.json"), "utf8"), registered, "replaced only by a successful build");
  assert.deepEqual(leftovers(home, mvmCacheDir(), since).filter((f) => f !== "apps/bb-probe"), []);
});
