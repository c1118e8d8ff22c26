// Hooks at run time, through mvmctl on real microVMs: an after_start that passes only when the test says so
// (an invoke sent before then waits, and runs after — never early), and an after_start that never passes
// (up fails with the reason and the console's last lines, and nothing keeps running). The failing one is
// built with a 20 s after_start deadline (mvmctl build --after-start-timeout) and starts first, beside the other.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "@mvm/ir";
import { buildApp, cleanupHome, mvmctl, mvmctlChild, psJson, qemuUnder, tempHome, type CliResult } from "./run.test-helpers.ts";

let home: string;
let failingUp: Promise<CliResult>;

const gatedApp = `import os
import mvm

@mvm.app(
    name="hooks-gated",
    image=mvm.python_image(python="3.12"),
    before_start="echo from-before-start > /tmp/before-start.txt",
    after_start="test -f /tmp/go",
)
def greet(name: str):
    return f"hello {name}"

def went_early():
    # True when the call ran before after_start could pass.
    return not os.path.exists("/tmp/go")

def before_start_file():
    with open("/tmp/before-start.txt") as f:
        return f.read()
`;

const failingApp = `import mvm

@mvm.app(name="hooks-failing", image=mvm.python_image(python="3.12"),
         after_start="echo still-not-healthy >&2; false")
def greet(name: str):
    return f"hello {name}"
`;

before(async () => {
  home = await tempHome("hooks");
  process.env.MVM_HOME = home;
  await buildApp(home, gatedApp);
  await buildApp(home, failingApp, ["--after-start-timeout", "20000"]);
  failingUp = mvmctl(home, ["up", "hooks-failing", "--ready-timeout", "900"]);
});
after(async () => {
  await cleanupHome(home);
});

test("an invoke sent while after_start has not passed waits, and runs only after it passes; up --attach streams the console and Ctrl-C brings it down", async () => {
  // --cold: this after_start passes only once the test execs into the booting instance, which a template VM
  // (dedicated, never an instance) cannot be reached for.
  const up = mvmctlChild(home, ["up", "hooks-gated", "--attach", "--cold", "--ready-timeout", "600"]);
  // --attach streams the instance log from the first console line; the runner is imported, after_start polled.
  await waitFor(() => / console mvm-agent: runner started/.test(up.stdout()), { deadlineMs: 600_000, what: "the attached up to show the runner starting" });
  assert.equal((await psJson(home)).find((r) => r.name === "hooks-gated")?.state.kind, "starting");
  const early = mvmctl(home, ["invoke", "hooks-gated", "--fn", "went_early"]);
  let invokeDone = false;
  void early.then(() => (invokeDone = true));
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(invokeDone, false, "the invoke is still waiting for READY");
  assert.equal((await mvmctl(home, ["exec", "hooks-gated", "--", "touch", "/tmp/go"])).status, 0);
  const call = await early;
  assert.equal(call.status, 0, call.stderr);
  assert.equal(call.stdout, "false\n", "the call ran after after_start passed");
  await waitFor(() => /hooks-gated ready in /.test(up.stderr()), { deadlineMs: 60_000, what: "the attached up to report READY" });
  assert.equal((await mvmctl(home, ["invoke", "hooks-gated", "--fn", "before_start_file"])).stdout, "from-before-start\n\n");
  up.child.kill("SIGINT");
  const ended = await up.done;
  assert.equal(ended.status, 0, ended.stderr);
  assert.match(ended.stderr, /bringing hooks-gated down/);
  assert.equal((await psJson(home)).some((r) => r.name === "hooks-gated"), false, "Ctrl-C brought it down and removed it");
});

test("an after_start that never passes fails up with the reason and the last console lines, and leaves nothing running", async () => {
  const up = await failingUp;
  assert.equal(up.status, 1, up.stderr);
  assert.match(up.stderr, /error\[RUN_HOOK_FAILED\]: instance hooks-failing failed to start: /);
  assert.match(up.stderr, /after_start did not exit 0 within 20000 ms; last output: still-not-healthy/, "the deadline given at build time");
  assert.match(up.stderr, /last console lines:/);
  const row = (await psJson(home)).find((r) => r.name === "hooks-failing");
  assert.equal(row?.state.kind, "dead");
  assert.match(row?.state.reason ?? "", /start-up failed/);
  assert.equal(row?.pid, null);
  assert.equal(qemuUnder(home), undefined, "no QEMU keeps running");
  const call = await mvmctl(home, ["invoke", "hooks-failing", "--input", "name=x"]);
  assert.equal(call.status, 137);
  assert.match(call.stderr, /RUN_INSTANCE_DEAD/);
});
