// A full disk under MVM_HOME: `up` fails with a clear error naming the file it could not write, starts
// nothing, and the daemon keeps serving. MVM_HOME is a 4 MiB tmpfs in a private mount namespace (unshare);
// the built app stays on the real disk through a symlink, so only the instance's own writes meet ENOSPC.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, MVMCTL, qemuUnder } from "./run.test-helpers.ts";

let work: string;
let apps: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "mvm-full-"));
  // The app is built into a home on the real disk; the tmpfs home links to its apps/.
  const built = join(work, "built");
  await mkdir(built, { recursive: true });
  await buildApp(built, `import mvm

@mvm.app(name="full-disk", image=mvm.python_image(python="3.12"))
def greet(name: str):
    return f"hello {name}"
`);
  apps = join(built, "apps");
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("up on a full MVM_HOME fails with RUN_STATE_WRITE_FAILED naming ENOSPC; nothing runs; the daemon still answers", () => {
  const home = join(work, "h");
  const script = `
set -u
mkdir -p "$H" && mount -t tmpfs -o size=4m,mode=0700 tmpfs "$H" || exit 90
ln -s "$APPS" "$H/apps"
m() { node "$MVMCTL" "$@"; }
m ps >/dev/null || exit 91                       # starts the daemon while there is room
dd if=/dev/zero of="$H/filler" bs=64k 2>/dev/null # fill the disk
m up full-disk; echo "up-status=$?"
echo "ps=$(m ps --json | tr -d '\\n ')"
m daemon status >/dev/null; echo "status-status=$?"
m daemon stop >/dev/null
`;
  const unshare = process.getuid?.() === 0 ? ["--mount"] : ["--mount", "--map-root-user"];
  const r = spawnSync("unshare", [...unshare, "sh", "-c", script], {
    env: { ...process.env, H: home, APPS: apps, MVMCTL, MVM_HOME: home }, encoding: "utf8", timeout: 120_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^up-status=1$/m, r.stderr);
  assert.match(r.stderr, /error\[RUN_STATE_WRITE_FAILED\]: cannot write .*\/instances\/full-disk\/state\.json: ENOSPC/);
  assert.match(r.stderr, /hint: free space on the filesystem holding MVM_HOME/);
  assert.match(r.stdout, /^ps=\[\]$/m, "no instance was recorded");
  assert.match(r.stdout, /^status-status=0$/m, "the daemon survived the full disk");
  assert.equal(qemuUnder(home), undefined, "no QEMU was started");
});
