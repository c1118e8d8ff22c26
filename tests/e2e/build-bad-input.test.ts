// Every bad input the issue lists fails `mvmctl build` with exit 1 and a coded error naming what and
// where, and leaves nothing behind: no registered or half-registered app, no staged tree, no partial
// cache layer, no builder VM, no temp dir. (A failing before_build is in before-build.test.ts, tampered
// artifacts in build-cache.test.ts.) The disk-full case runs the build with MVM_HOME on a small tmpfs in
// its own mount namespace; the Ctrl-C cases interrupt a real mmdebstrap and a real builder VM.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mvmCacheDir, resolveGuestKernel } from "@mvm/builder";
import { compileTo, errorCode, leftovers, MVMCTL, mvmctl, mvmctlChild, tmpSnapshot, writeApp } from "./build.test-helpers.ts";

const work = mkdtempSync(join(tmpdir(), "mvm-build-bad-"));
const home = join(work, "home");
let kernelPath: string;

const pyApp = (decl: string) => `import mvm\n\n@mvm.app(${decl})\ndef greet(name: str) -> str:\n    return f"hello {name}"\n`;

function compiled(name: string, source: string, file = "app.py"): string {
  const out = join(work, `${name}-out`);
  compileTo(join(writeApp({ [file]: source }), file), out);
  return out;
}

/** Exit 1, the code, each `mentions` in the message, and a clean home and cache. */
function refused(r: { status: number | null; stderr: string }, code: string, mentions: (string | RegExp)[], since: ReturnType<typeof tmpSnapshot>, cacheDir = mvmCacheDir()) {
  assert.equal(r.status, 1, r.stderr);
  assert.equal(errorCode(r.stderr), code, r.stderr);
  for (const m of mentions) assert.ok(typeof m === "string" ? r.stderr.includes(m) : m.test(r.stderr), `the message names ${m}:\n${r.stderr}`);
  assert.deepEqual(leftovers(home, cacheDir, since), []);
}

before(async () => {
  kernelPath = (await resolveGuestKernel()).vmlinux;
});
after(() => rmSync(work, { recursive: true, force: true }));

test("a directory that is not a compile output names what is missing", () => {
  const since = tmpSnapshot();
  const empty = join(work, "empty");
  mkdirSync(empty);
  refused(mvmctl(["build", empty], { MVM_HOME: home }), "BUILD_NOT_COMPILE_OUTPUT", [empty, "no workload.json, no launch.json, no source/", "mvmctl compile"], since);
  writeFileSync(join(empty, "launch.json"), "{not json");
  writeFileSync(join(empty, "workload.json"), "{}\n");
  mkdirSync(join(empty, "source"));
  refused(mvmctl(["build", empty], { MVM_HOME: home }), "BUILD_NOT_COMPILE_OUTPUT", [join(empty, "launch.json"), "is not JSON"], since);
  refused(mvmctl(["build", join(work, "nowhere")], { MVM_HOME: home }), "BUILD_NOT_COMPILE_OUTPUT", ["no such directory"], since);
});

test("an unknown nix attribute names itself, the nearest known names and where the table lives", () => {
  const out = compiled("unknown", pyApp('name="bad-attr", image=mvm.nix_packages(["python313", "jqq"])'));
  const since = tmpSnapshot();
  refused(mvmctl(["build", out], { MVM_HOME: home }), "BUILD_UNKNOWN_ATTRIBUTE", ['"jqq"', 'did you mean "jq"', "packages/builder/src/image/providers/debian-attributes.ts"], since);
});

test("--strict refuses the 3.12 → 3.13 substitution, naming what is available", () => {
  const out = compiled("strict", pyApp('name="strict-app", image=mvm.python_image(python="3.12")'));
  const since = tmpSnapshot();
  refused(mvmctl(["build", out, "--strict"], { MVM_HOME: home }), "BUILD_VERSION_UNAVAILABLE", ["python312", "--strict", "3.13 (trixie)"], since);
});

test("an image that does not fit rootfs_size_mb is refused with the needed and the declared size", () => {
  const out = compiled("small", pyApp('name="small-app", image=mvm.python_image(python="3.13"), resources=mvm.resources(rootfs_size_mb=40)'));
  const since = tmpSnapshot();
  refused(mvmctl(["build", out], { MVM_HOME: home }), "BUILD_IMAGE_TOO_SMALL", [/needs about \d+ MiB but rootfs_size_mb declares 40 MiB/, "rootfs_size_mb=...) in app.py"], since);
});

test("a full disk under MVM_HOME is BUILD_DISK_FULL naming where, and the home is left empty", () => {
  const out = compiled("diskfull", pyApp('name="disk-full", image=mvm.python_image(python="3.13")'));
  const small = join(work, "small-home");
  mkdirSync(small);
  // A private mount namespace: the 24 MiB tmpfs exists only for this build and vanishes with it.
  const unshare = process.getuid?.() === 0 ? ["-m"] : ["-r", "-m"];
  const script = `mount -t tmpfs -o size=24m tmpfs "$1" || exit 99; MVM_HOME="$1" "$2" "$3" build "$4"; echo "rc=$?" >&2; find "$1" -mindepth 1 >&2`;
  const since = tmpSnapshot();
  const r = spawnSync("unshare", [...unshare, "sh", "-c", script, "sh", small, process.execPath, MVMCTL, out], { encoding: "utf8" });
  assert.equal(errorCode(r.stderr), "BUILD_DISK_FULL", r.stderr);
  assert.match(r.stderr, new RegExp(`the disk holding ${small}/apps filled up`));
  assert.match(r.stderr, /^rc=1$/m);
  const listing = r.stderr.slice(r.stderr.lastIndexOf("rc=1") + 5).trim().split("\n").filter(Boolean);
  assert.deepEqual(listing, [join(small, "apps")], "nothing staged or registered");
  assert.deepEqual(leftovers(home, mvmCacheDir(), since), []);
});

/** Waits until `happened()`, or fails naming what never did (with the child's output so far). */
async function waitFor(run: ReturnType<typeof mvmctlChild>, happened: () => boolean, what: string, deadlineMs = 600_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!happened()) {
    if (run.child.exitCode !== null || Date.now() > deadline) assert.fail(`${what} never happened:\n${run.output().stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("Ctrl-C during mmdebstrap (sent to the whole job, as a terminal does) stops, cleans up and exits 1", async () => {
  // An empty cache of its own, so a base layer is really being made; the built kernel is reused.
  const cache = join(work, "cold-cache");
  const out = compiled("ctrlc", pyApp('name="ctrl-c", image=mvm.python_image(python="3.13", packages=["jq"])'));
  const since = tmpSnapshot();
  const run = mvmctlChild(["build", out], { MVM_HOME: home, MVM_CACHE_DIR: cache, MVM_KERNEL: kernelPath });
  // mmdebstrap writes the target's apt configuration first, then downloads and extracts into it.
  const layers = join(cache, "layers", "debian-base");
  const settingUp = () => existsSync(layers) && readdirSync(layers).some((e) => e.includes(".tmp-") && existsSync(join(layers, e, "root", "etc", "apt")));
  await waitFor(run, settingUp, "mmdebstrap setting up the base layer");
  process.kill(-(run.child.pid as number), "SIGINT");
  const code = await run.exited;
  refused({ status: code, stderr: run.output().stderr }, "BUILD_INTERRUPTED", ["nothing was registered"], since, cache);
  assert.deepEqual(readdirSync(join(cache, "layers", "debian-base")), [], "no partial base layer");
});

test("Ctrl-C while before_build runs stops the builder VM, removes the staged image and exits 1", async () => {
  const out = compiled("ctrlc-vm", `import * as mvm from "mvm-sdk";
export const greet = mvm.app({
  name: "ctrl-c-vm",
  image: mvm.node_image({ node: "22" }),
  entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" }),
  before_build: "echo started-sleeping; sleep 600",
})((name: string): string => name);
`, "app.ts");
  const since = tmpSnapshot();
  const run = mvmctlChild(["build", out], { MVM_HOME: home });
  await waitFor(run, () => /before_build \| started-sleeping/.test(run.output().stderr), "before_build starting in the builder VM");
  process.kill(run.child.pid as number, "SIGINT"); // mvmctl alone: its own cleanup must stop the VM
  const code = await run.exited;
  // refused() also finds any qemu process still running on this home's staged image or a builder VM dir.
  refused({ status: code, stderr: run.output().stderr }, "BUILD_INTERRUPTED", ["ctrl-c-vm"], since);
});
