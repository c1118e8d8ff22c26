// The agent as PID 1, the way it runs in a VM, inside fresh pid/mount/net namespaces: it mounts what the guest
// needs, brings up lo (so the seed's curl probe reaches the runner on 8080), reaps, and on shutdown its
// reboot(RB_AUTOBOOT) ends the namespace (in a VM: QEMU exits, thanks to reboot=t and -no-reboot).
// Port 8080 is safe here: the agent has its own network namespace.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { startAgent } from "./agent-under-test.ts";

const canUnshare = process.getuid?.() === 0;

test("as PID 1: mounts, loopback, hooks on port 8080, before_stop, reboot", { skip: canUnshare ? false : "needs root for unshare --pid --mount --net" }, async () => {
  const a = await startAgent({
    asPid1: true, healthPort: 8080, function: "banner", params: [],
    hooks: {
      before_start: [{ kind: "shell", line: "export HELLO_BANNER=pid1" }],
      after_start: [{ kind: "shell", line: "curl -fsS http://127.0.0.1:8080/health" }],
      before_stop: [{ kind: "shell", line: "echo bye > stopped" }],
    },
  });
  try {
    await a.client.waitForReady(30_000);
    assert.deepEqual((await a.client.invoke({})).value, { banner: "pid1", leak: null, greeting: null });
    const probe = await a.client.exec(["sh", "-c", "cat /proc/1/comm; for m in /proc /sys /dev /dev/pts /dev/shm /tmp /run; do grep -q \" $m \" /proc/mounts && echo $m; done; cat /sys/class/net/lo/flags"]);
    const lines = probe.stdout.toString().trim().split("\n");
    assert.deepEqual(lines.slice(0, 8), ["mvm-agent", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/tmp", "/run"]);
    assert.equal(Number(lines[8]) & 1, 1, "lo is up");
    const reply = await a.client.shutdown();
    assert.deepEqual(reply.before_stop, { ran: true, exit_code: 0, timed_out: false });
    await a.exited;
    assert.equal(a.child.signalCode, "SIGHUP", "reboot() in a pid namespace ends it with SIGHUP");
    assert.equal(readFileSync(join(a.root, "app", "stopped"), "utf8"), "bye\n");
    assert.match(a.console(), /mvm-agent: start v=2 pid=1\n/);
  } finally {
    await a.stop();
  }
});
