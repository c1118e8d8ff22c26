// mvmctl up / invoke / ps / logs / exec / down against real microVMs (TCG here), through the CLI as a user
// runs it (mvmctl build, then up), with one daemon for the file. Two builds of one app file: run-test (bridge
// network, a host port forwarded to busybox httpd, which before_start starts on the guest's port 9000) and
// run-test-none (network none), the control for the network proof. Faults: a racing second up, bad inputs, a function
// that never returns, a result over the cap, the guest powering itself off, kill -9 of the daemon and of QEMU
// mid-invoke.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@mvm/ir";
import { connectDaemon } from "@mvm/runtime";
import { isProcessAlive } from "@mvm/vmm";
import { buildApp, cleanupHome, daemonPid, freePort, mvmctl, mvmctlChild, psJson, qemuUnder, tempHome } from "./run.test-helpers.ts";

/** Python under TCG on a shared 2-core machine: generous. */
const BOOT = ["--ready-timeout", "600"];
let home: string;
let forwardedPort: number;
let attached: ReturnType<typeof mvmctlChild> | undefined;

/** The test app; `network` is the declaration's network argument line (run-test-none has none). */
const appPy = (name: string, network: string) => `import os, socket, sys, time
import mvm

@mvm.app(
    name="${name}",
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu_cores=1, memory_mb=1024),
    ${network}
    env={"GREETING": mvm.literal("hello"), "API_KEY": mvm.secret("api-key")},
    before_start="echo from-before-start > /tmp/before-start.txt && busybox httpd -p 9000 -h /tmp",
    after_start=mvm.hook(["curl", "-fsS", "http://127.0.0.1:8080/health"]),
    before_stop="echo MVM-TEST-BEFORE-STOP > /dev/console",
)
def greet(name: str, times: int = 1, ratio: float = 1.0, loud: bool = False, tags: list = None, opts: dict = None):
    if (times, ratio, loud, tags, opts) == (1, 1.0, False, None, None):
        return f"{os.environ['GREETING']} {name}"
    return {"name": name, "times": times, "ratio": ratio, "loud": loud, "tags": tags, "opts": opts}

def nap(seconds, marker=None):
    if marker:
        with open(marker, "a") as f:
            f.write("started\\n")
    time.sleep(seconds)
    return f"slept {seconds}"

def fail(name):
    raise ValueError(f"bad {name}")

def chatter():
    print("out-line")
    print("err-line", file=sys.stderr)
    return "chattered"

def read_file(path):
    with open(path) as f:
        return f.read()

def getenv(name):
    return os.environ.get(name)

def connect(port):
    with socket.create_connection(("10.0.2.2", port), timeout=10) as s:
        s.sendall(b"hi")
    return "connected"

def big(n):
    return "x" * n

def ident(client, n):
    return f"{client}:{n}"
`;

before(async () => {
  home = await tempHome("run");
  process.env.MVM_HOME = home;
  forwardedPort = await freePort();
  await buildApp(home, appPy("run-test", `network=mvm.network(mode="bridge", ports=[{"guest": 9000, "host": ${forwardedPort}}]),`));
  await buildApp(home, appPy("run-test-none", ""));
});
after(async () => {
  await cleanupHome(home);
});

const invoke = (...args: string[]) => mvmctl(home, ["invoke", "run-test", ...args]);

test("up boots to READY and prints each phase; a second up racing it boots nothing; --if-not-running accepts the running one", async () => {
  const [a, b] = await Promise.all([mvmctl(home, ["up", "run-test", ...BOOT]), mvmctl(home, ["up", "run-test", ...BOOT])]);
  const won = [a, b].filter((r) => r.status === 0);
  const lost = [a, b].filter((r) => r.status !== 0);
  assert.equal(won.length, 1, `exactly one up wins:\n${a.stderr}\n${b.stderr}`);
  assert.equal(lost[0]!.status, 1);
  assert.match(lost[0]!.stderr, /error\[RUN_INSTANCE_EXISTS\]: instance run-test is already (starting|ready)/);
  // The first up of an image makes its snapshot template (a cold boot of a dedicated VM) and clones it; the cold
  // boot's own phases are printed by up --cold (snapshot.test.ts).
  assert.match(won[0]!.stdout, /^run-test ready in [\d.]+ (s|ms) \(template made in [\d.]+ (s|ms) · clone of template [0-9a-f]{12} · vmm [\d.]+ (s|ms) · restore [\d.]+ (s|ms) · sync \+ configure [\d.]+ (s|ms)\)$/m);
  assert.match(won[0]!.stderr, /making a snapshot template for run-test/);
  assert.match(won[0]!.stdout, new RegExp(`ports: 127\\.0\\.0\\.1:${forwardedPort}->9000/tcp`));
  assert.match(won[0]!.stderr, /warning: secret "api-key" has no value yet/);
  assert.match(won[0]!.stderr, /warning: network mode "bridge" lets the guest make its own connections/);

  const again = await mvmctl(home, ["up", "run-test", "--if-not-running"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /run-test is already running/);
  const plain = await mvmctl(home, ["up", "run-test"]);
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /RUN_INSTANCE_EXISTS[\s\S]*--if-not-running/);

  const [row] = await psJson(home);
  assert.equal(row?.state.kind, "ready");
  assert.ok(row?.pid && isProcessAlive(row.pid));
  assert.equal(statSync(join(home, "daemon.sock")).mode & 0o777, 0o600, "the control socket is the user's alone");
  assert.deepEqual(row?.ports, [{ guest: 9000, host: forwardedPort, proto: "tcp" }]);
  const table = await mvmctl(home, ["ps"]);
  assert.match(table.stdout, /^NAME\s+APP\s+STATE\s+PID\s+UPTIME\s+MEMORY\s+SIGNER\s+PORTS$/m);
  assert.match(table.stdout, new RegExp(`^run-test\\s+run-test\\s+ready\\s+${row?.pid}\\s+\\S+\\s+\\d+ MiB\\s+-\\s+127\\.0\\.0\\.1:${forwardedPort}->9000/tcp$`, "m"));
});

test("invoke: the seed's call prints the string raw; typed inputs are coerced; defaults apply; other results are sorted JSON", async () => {
  const hello = await invoke("--input", "name=ari");
  assert.equal(hello.status, 0, hello.stderr);
  assert.equal(hello.stdout, "hello ari\n");
  const typed = await invoke("--input", "name=ari", "--input", "times=3", "--input", "ratio=2.5", "--input", "loud=true",
    "--input", "tags=[1,2]", "--input", 'opts={"b":1,"a":[true]}');
  assert.equal(typed.status, 0, typed.stderr);
  assert.equal(typed.stdout, '{"loud":true,"name":"ari","opts":{"a":[true],"b":1},"ratio":2.5,"tags":[1,2],"times":3}\n');
  const json = await invoke("--input-json", "name=\"bo\"", "--input-json", "times=2");
  assert.equal(JSON.parse(json.stdout).times, 2);
  const file = await mvmctl(home, ["invoke", "run-test", "--input-file", "-", "--json"], { input: '{"name": "cy"}' });
  const parsed = JSON.parse(file.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ["duration_ms", "stderr", "stdout", "value"]);
  assert.equal(parsed.value, "hello cy");
});

test("invoke: a missing, unknown or uncoercible input is a usage error naming the parameter, and never reaches the guest", async () => {
  const before = (await mvmctl(home, ["logs", "run-test"])).stdout;
  const cases: [string[], RegExp][] = [
    [[], /app\.greet needs input name, which was not given/],
    [["--input", "name=a", "--input", "nmae=b"], /app\.greet has no parameter nmae; its parameters are name: str, times: int \(optional\)/],
    [["--input", "name=a", "--input", "times=many"], /input times="many" is not an integer/],
    [["--input", "name=a", "--input", "tags={}"], /input tags="\{\}" is not a JSON array/],
    [["--input", "noequals"], /expected NAME=VALUE/],
    [["--input-json", "name={oops"], /is not JSON/],
  ];
  for (const [args, message] of cases) {
    const r = await invoke(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const afterLog = (await mvmctl(home, ["logs", "run-test"])).stdout;
  assert.equal(afterLog.split("\n").filter((l) => / invoke#/.test(l)).length, before.split("\n").filter((l) => / invoke#/.test(l)).length,
    "no rejected input reached the guest");
});

test("invoke --fn: a function that raises exits 1 with its traceback; its output goes to stderr; a timeout exits 124 and the instance recovers", async () => {
  const failed = await invoke("--fn", "fail", "--input", "name=zed");
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /Traceback \(most recent call last\):[\s\S]*File "\/app\/app\.py", line \d+, in fail[\s\S]*ValueError: bad zed/);
  assert.match(failed.stderr, /error\[RUN_FUNCTION_ERROR\]: ValueError: bad zed/);
  const chatty = await invoke("--fn", "chatter");
  assert.equal(chatty.stdout, "chattered\n");
  assert.match(chatty.stderr, /out-line\n[\s\S]*err-line\n/);
  const slow = await invoke("--fn", "nap", "--input-json", "seconds=600", "--timeout", "2");
  assert.equal(slow.status, 124, slow.stderr);
  assert.match(slow.stderr, /RUN_TIMEOUT/);
  const next = await invoke("--input", "name=after-timeout");
  assert.equal(next.stdout, "hello after-timeout\n", next.stderr);
});

test("a result past MAX_PAYLOAD is an error naming the cap; a large one below it arrives whole", async () => {
  const whole = await invoke("--fn", "big", "--input-json", "n=3000000");
  assert.equal(whole.status, 0, whole.stderr);
  assert.equal(whole.stdout.length, 3_000_001, "3 MB of result, chunked over the channel, printed entire");
  const over = await invoke("--fn", "big", "--input-json", `n=${64 * 2 ** 20 + 2 ** 19}`);
  assert.equal(over.status, 1, over.stderr);
  assert.match(over.stderr, /error\[RUN_PAYLOAD_TOO_LARGE\]: .*MAX_PAYLOAD/);
  assert.equal(over.stdout, "", "nothing truncated is printed");
});

test("per-instance values reach the guest before before_start: the instance id and the secret's opaque token; before_start's file is there", async () => {
  const token = await invoke("--fn", "getenv", "--input", "name=API_KEY");
  assert.match(token.stdout, /^mvm-secret:api-key:[a-z2-7]{26}\n$/);
  const id = await invoke("--fn", "getenv", "--input", "name=MVM_INSTANCE_ID");
  const record = JSON.parse(await readFile(join(home, "instances/run-test/state.json"), "utf8")) as { id: string; secrets: { token: string }[] };
  assert.equal(id.stdout, `${record.id}\n`);
  assert.equal(token.stdout, `${record.secrets[0]?.token}\n`, "the token is kept in the instance's record");
  const read = await invoke("--fn", "read_file", "--input", "path=/tmp/before-start.txt");
  assert.equal(read.stdout, "from-before-start\n\n");
  const exec = await mvmctl(home, ["exec", "run-test", "--", "sh", "-c", "cat /tmp/before-start.txt; echo oops >&2; exit 3"]);
  assert.equal(exec.status, 3);
  assert.equal(exec.stdout, "from-before-start\n");
  assert.equal(exec.stderr, "oops\n");
});

test("logs: timestamped console, agent and function output", async () => {
  const logs = await mvmctl(home, ["logs", "run-test"]);
  assert.equal(logs.status, 0);
  const lines = logs.stdout.trimEnd().split("\n");
  for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (console|mvm    |stdout |stderr ) /, line);
  assert.match(logs.stdout, /console mvm-agent: ready uptime_ms=\d+ language=python/);
  assert.match(logs.stdout, /stdout  invoke#\d+ out-line/);
  assert.match(logs.stdout, /stderr  invoke#\d+ err-line/);
  const tail = await mvmctl(home, ["logs", "run-test", "--tail", "2"]);
  assert.equal(tail.stdout.trimEnd().split("\n").length, 2);
});

test("network bridge reaches a host listener on 127.0.0.1 through the gateway, and the forwarded port reaches the guest; network none reaches nothing", async () => {
  const connections: string[] = [];
  const listener: Server = createServer((s) => s.on("data", (d) => connections.push(d.toString())).on("error", () => undefined));
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const port = (listener.address() as { port: number }).port;
  try {
    const bridged = await invoke("--fn", "connect", "--input-json", `port=${port}`);
    assert.equal(bridged.stdout, "connected\n", bridged.stderr);
    await waitFor(() => connections.length === 1, { deadlineMs: 10_000, what: "the listener to record the bridged connection" });
    // before_start started busybox httpd on the guest's port 9000, serving /tmp.
    const page = await fetch(`http://127.0.0.1:${forwardedPort}/before-start.txt`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(await page.text(), "from-before-start\n", "the forwarded port reaches a server in the guest");

    // Attached: it stays in the foreground until the instance ends (the power-off test below).
    attached = mvmctlChild(home, ["up", "run-test-none", "--attach", ...BOOT]);
    await waitFor(() => /run-test-none ready in /.test(attached!.stderr()), { deadlineMs: 600_000, what: "the attached up to report READY" });
    const none = await mvmctl(home, ["invoke", "run-test-none", "--fn", "connect", "--input-json", `port=${port}`]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /OSError|Network is unreachable|error\[RUN_FUNCTION_ERROR\]/);
    const devices = await mvmctl(home, ["exec", "run-test-none", "--", "ls", "/sys/class/net"]);
    assert.equal(devices.stdout, "lo\n", "no NIC at all");
    assert.deepEqual(connections, ["hi"], "the listener saw the bridged connection and nothing from the none instance");
    const rows = await psJson(home);
    assert.deepEqual(rows.find((r) => r.name === "run-test-none")?.ports, []);
    assert.match((await mvmctl(home, ["ps"])).stdout, /^run-test-none\s+run-test-none\s+ready\s+\d+\s+\S+\s+\d+ MiB\s+-\s+none$/m);
  } finally {
    listener.close();
  }
});

test("the guest powering off by itself: the call dies with 137, ps says why, invoke then says the instance is dead, down clears it", async () => {
  const off = await mvmctl(home, ["exec", "run-test-none", "--", "reboot", "-f"]);
  assert.equal(off.status, 137, off.stderr);
  assert.match(off.stderr, /RUN_VM_DIED/);
  const row = (await psJson(home)).find((r) => r.name === "run-test-none");
  assert.equal(row?.state.kind, "dead");
  assert.match(row?.state.reason ?? "", /the guest shut down by itself/);
  const call = await mvmctl(home, ["invoke", "run-test-none", "--input", "name=x"]);
  assert.equal(call.status, 137);
  assert.match(call.stderr, /RUN_INSTANCE_DEAD.*the guest shut down by itself/);
  const ended = await attached!.done;
  assert.equal(ended.status, 137, "an attached up whose VM died by itself exits 137");
  assert.match(ended.stderr, /run-test-none: the guest shut down by itself/);
  assert.match(ended.stdout, / console mvm-agent: ready/, "it streamed the console");
  const down = await mvmctl(home, ["down", "run-test-none"]);
  assert.match(down.stdout, /stopped run-test-none \(it was not running; record removed\)/);
  assert.equal((await psJson(home)).some((r) => r.name === "run-test-none"), false);
});

test("200 invokes from 8 concurrent clients are each answered exactly once with their own result", async () => {
  const clients = await Promise.all(Array.from({ length: 8 }, () => connectDaemon(home)));
  try {
    const answers = await Promise.all(clients.map(async (client, c) => {
      const got: string[] = [];
      for (let n = 0; n < 25; n++) {
        const r = await client.request("invoke", { name: "run-test", function: "ident", inputs: [{ name: "client", json: `c${c}` }, { name: "n", json: n }] });
        got.push(String(r.value));
      }
      return got;
    }));
    for (const [c, got] of answers.entries()) assert.deepEqual(got, Array.from({ length: 25 }, (_, n) => `c${c}:${n}`));
  } finally {
    for (const c of clients) c.close();
  }
});

test("rmi refuses while an instance runs from the app, naming it", async () => {
  const r = await mvmctl(home, ["rmi", "run-test"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[RUN_APP_IN_USE\]: app run-test is in use by running instance run-test/);
});

test("kill -9 of the daemon mid-invoke: the call fails clearly and is not re-run; the VM survives, is re-adopted, and the next invoke works", async () => {
  const pidBefore = (await psJson(home)).find((r) => r.name === "run-test")?.pid;
  const daemon = await daemonPid(home);
  assert.ok(daemon && pidBefore);
  const marker = "/tmp/nap-daemon-kill";
  const call = invoke("--fn", "nap", "--input-json", "seconds=3", "--input", `marker=${marker}`);
  const started = async () => (await mvmctl(home, ["exec", "run-test", "--", "cat", marker])).stdout;
  await waitFor(async () => (await started()) === "started\n", { deadlineMs: 60_000, what: "the nap to start in the guest" });
  process.kill(daemon, "SIGKILL");
  const lost = await call;
  assert.equal(lost.status, 1);
  assert.match(lost.stderr, /error\[RUN_DAEMON_LOST\]: .*during invoke; the call was not retried and may or may not have run in the guest/);
  // The old call's late answer must never reach a new one: wait until it has come and gone.
  await new Promise((r) => setTimeout(r, 4_000));
  const rows = await psJson(home);
  assert.equal(rows[0]?.pid, pidBefore, "the same QEMU, re-adopted");
  assert.equal(rows[0]?.state.kind, "ready");
  assert.notEqual(await daemonPid(home), daemon);
  await waitFor(async () => (await psJson(home))[0]?.channel_connected === true, { deadlineMs: 30_000, what: "the new daemon to reach the agent" });
  const next = await invoke("--input", "name=again");
  assert.equal(next.stdout, "hello again\n", next.stderr);
  assert.equal(await started(), "started\n", "the lost call ran once and was not re-run");
});

test("kill -9 of QEMU mid-invoke: the call exits 137 with the reason, ps shows it dead, and up works again", async () => {
  const pid = (await psJson(home)).find((r) => r.name === "run-test")?.pid;
  assert.ok(pid);
  const marker = "/tmp/nap-qemu-kill";
  const call = invoke("--fn", "nap", "--input-json", "seconds=600", "--input", `marker=${marker}`);
  await waitFor(async () => (await mvmctl(home, ["exec", "run-test", "--", "cat", marker])).stdout === "started\n", { deadlineMs: 60_000, what: "the nap to start in the guest" });
  process.kill(pid, "SIGKILL");
  const died = await call;
  assert.equal(died.status, 137, died.stderr);
  assert.match(died.stderr, /error\[RUN_VM_DIED\]: the VM of run-test died during the invoke#\d+: QEMU \(pid \d+\) (was killed by SIGKILL|ended)/);
  const [row] = await psJson(home);
  assert.equal(row?.state.kind, "dead");
  assert.equal(row?.pid, null);
  const up = await mvmctl(home, ["up", "run-test", ...BOOT]);
  assert.equal(up.status, 0, up.stderr);
  assert.equal((await invoke("--input", "name=reborn")).stdout, "hello reborn\n");
});

test("a VM that dies while no daemon runs is found dead by the next daemon, with the reason", async () => {
  const up = await mvmctl(home, ["up", "run-test-none", ...BOOT]);
  assert.equal(up.status, 0, up.stderr);
  const pid = (await psJson(home)).find((r) => r.name === "run-test-none")?.pid;
  const daemon = await daemonPid(home);
  assert.ok(pid && daemon);
  process.kill(daemon, "SIGKILL");
  process.kill(pid, "SIGKILL");
  await waitFor(() => !isProcessAlive(pid), { deadlineMs: 10_000, what: "QEMU to exit" });
  const row = (await psJson(home)).find((r) => r.name === "run-test-none");
  assert.equal(row?.state.kind, "dead");
  assert.match(row?.state.reason ?? "", /the VM had exited when the daemon restarted/);
  assert.equal((await psJson(home)).find((r) => r.name === "run-test")?.state.kind, "ready", "the other instance was re-adopted");
  assert.equal((await mvmctl(home, ["down", "run-test-none"])).status, 0);
});

test("logs -f follows new lines as they are written", async () => {
  const follow = mvmctlChild(home, ["logs", "run-test", "-f", "--tail", "0"]);
  try {
    await waitFor(async () => (await invoke("--fn", "chatter")).status === 0 && /invoke#\d+ out-line/.test(follow.stdout()),
      { deadlineMs: 60_000, what: "logs -f to show the new invoke's output", intervalMs: 500 });
  } finally {
    follow.child.kill("SIGINT");
    await follow.done;
  }
});

test("down runs before_stop and leaves no QEMU, socket or record; daemon status and stop", async () => {
  const down = await mvmctl(home, ["down", "run-test"]);
  assert.equal(down.status, 0, down.stderr);
  assert.match(down.stdout, /^stopped run-test \(before_stop exited 0\)$/m);
  assert.deepEqual(await psJson(home), []);
  assert.equal(qemuUnder(home), undefined, "no QEMU left");
  assert.deepEqual(await readdir(join(home, "run")), [], "no stale socket");
  assert.deepEqual(await readdir(join(home, "instances")), []);
  const unknown = await mvmctl(home, ["invoke", "run-test", "--input", "name=x"]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /error\[RUN_INSTANCE_NOT_FOUND\]: no instance named run-test/);
  const noApp = await mvmctl(home, ["up", "no-such-app"]);
  assert.equal(noApp.status, 1);
  assert.match(noApp.stderr, /BUILD_APP_NOT_FOUND/);
  assert.equal((await mvmctl(home, ["rmi", "run-test-none"])).status, 0);

  const status = await mvmctl(home, ["daemon", "status", "--json"]);
  assert.equal(status.status, 0);
  assert.equal((JSON.parse(status.stdout) as { instances: number }).instances, 0);
  assert.match((await mvmctl(home, ["daemon", "stop"])).stdout, /stopped/);
  const stopped = await mvmctl(home, ["daemon", "status"]);
  assert.equal(stopped.status, 1);
  assert.match(stopped.stderr, /RUN_DAEMON_NOT_RUNNING/);
  assert.equal(statSync(home).mode & 0o077, 0, "MVM_HOME is private");
});
