// Snapshot templates through mvmctl on real microVMs (docs/snapshots.md), one image and one daemon for the file:
// the first up makes the template with a dedicated VM and clones it, later ups clone it; clones answer, and never
// share RNG output, identity, tokens or MAC addresses; before_start ran once, in the template VM; a clone is
// re-adopted after a daemon restart; up --cold never uses a template; a rebuilt image gets a new template and
// the old one goes stale; a truncated template is refused, removed, and a cold boot follows with the message.
// Behaviour only: the speed of clones is bench's (mvmctl bench). Templates live under the test's home
// (run.test-helpers.ts), so pruning and truncating them never touches another run's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@mvm/ir";
import { cleanupHome, daemonPid, mvmctl, psJson, qemuUnder, tempHome } from "./run.test-helpers.ts";

const BOOT = ["--ready-timeout", "600"];
let home: string;
let appDir: string;
let appFile: string;

const appPy = `import json, os, random, socket, time
import mvm

@mvm.app(
    name="snap-test",
    image=mvm.python_image(python="3.12"),
    network=mvm.network(mode="bridge"),
    env={"API_KEY": mvm.secret("api-key")},
    before_start="echo \\"$MVM_INSTANCE_ID\\" >> /tmp/before-start.log",
    after_start=mvm.hook(["curl", "-fsS", "http://127.0.0.1:8080/health"]),
)
def greet(name: str):
    return f"hello {name}"

def ident():
    with open("/sys/class/net/eth0/address") as f:
        mac = f.read().strip()
    with open("/tmp/before-start.log") as f:
        before_start = f.read()
    return {"urandom": os.urandom(16).hex(), "random": random.random(), "id": os.environ["MVM_INSTANCE_ID"],
            "token": os.environ["API_KEY"], "mac": mac, "time_ms": int(time.time() * 1000), "before_start": before_start}

def connect(port):
    with socket.create_connection(("10.0.2.2", port), timeout=10) as s:
        s.sendall(b"hi")
    return "connected"
`;

interface Ident { urandom: string; random: number; id: string; token: string; mac: string; time_ms: number; before_start: string }
interface Record { id: string; mac?: string; template?: { key: string }; secrets: { token: string }[] }
interface TemplateRow { key: string; status: string; reason?: string; apps: string[]; clones: number; verified: boolean }

const ident = async (name: string): Promise<Ident> => {
  const r = await mvmctl(home, ["invoke", name, "--fn", "ident"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Ident;
};
const record = async (name: string) => JSON.parse(await readFile(join(home, "instances", name, "state.json"), "utf8")) as Record;
const templates = async (): Promise<TemplateRow[]> => {
  const r = await mvmctl(home, ["snapshot", "ls", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as TemplateRow[];
};
const ourTemplates = async () => (await templates()).filter((t) => t.apps.includes("snap-test"));
const CLONE_LINE = /^(\S+) ready in [\d.]+ (s|ms) \((template made in [\d.]+ (s|ms) · )?clone of template ([0-9a-f]{12}) · vmm [\d.]+ (s|ms) · restore [\d.]+ (s|ms) · sync \+ configure [\d.]+ (s|ms)\)$/m;

before(async () => {
  home = await tempHome("snap");
  process.env.MVM_HOME = home;
  appDir = await mkdtemp(join(tmpdir(), "mvm-snap-app-"));
  appFile = join(appDir, "app.py");
  await writeFile(appFile, appPy);
  const built = await mvmctl(home, ["build", appFile]);
  assert.equal(built.status, 0, built.stderr);
});
after(async () => {
  await cleanupHome(home);
  await rm(appDir, { recursive: true, force: true });
});

test("the first up makes the template with a dedicated VM and clones it; the next up clones it; each clone answers", async () => {
  const first = await mvmctl(home, ["up", "snap-test", "--name", "a", ...BOOT]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /making a snapshot template for snap-test/);
  const made = CLONE_LINE.exec(first.stdout);
  assert.ok(made?.[3], `the first up says it made the template:\n${first.stdout}`);
  const second = await mvmctl(home, ["up", "snap-test", "--name", "b", ...BOOT]);
  assert.equal(second.status, 0, second.stderr);
  const cloned = CLONE_LINE.exec(second.stdout);
  assert.ok(cloned && !cloned[3], `the second up clones without making one:\n${second.stdout}`);
  assert.equal(cloned[5], made[5], "both are clones of one template");
  for (const name of ["a", "b"]) {
    const r = await mvmctl(home, ["invoke", name, "--input", "name=ari"]);
    assert.equal(r.stdout, "hello ari\n", r.stderr);
    assert.equal((await record(name)).template?.key.slice(0, 12), made[5]);
  }
  assert.deepEqual((await psJson(home)).map((r) => r.name).sort(), ["a", "b"], "the template VM is no instance, and it is gone");
  const [row, ...others] = await ourTemplates();
  assert.equal(others.length, 0);
  assert.equal(row?.status, "current");
  assert.equal(row?.clones, 2);
  assert.equal(row?.verified, true);
  assert.match((await mvmctl(home, ["logs", "b"])).stdout, /mvm +restored from snapshot template [0-9a-f]{12}/);
});

test("two clones never share RNG output, instance id, secret token or MAC; each clock is set; before_start ran once, in the template VM", async () => {
  const upAt = Date.now();
  assert.equal((await mvmctl(home, ["up", "snap-test", "--name", "late", ...BOOT])).status, 0);
  const [a, b, late] = [await ident("a"), await ident("b"), await ident("late")];
  for (const [x, y] of [[a, b], [a, late], [b, late]] as const) {
    assert.notEqual(x.urandom, y.urandom, "the kernel's CRNG was reseeded in each clone");
    assert.notEqual(x.random, y.random, "Python's random was reseeded in each clone");
    assert.notEqual(x.id, y.id);
    assert.notEqual(x.token, y.token);
    assert.notEqual(x.mac, y.mac);
  }
  for (const [name, got] of [["a", a], ["b", b], ["late", late]] as const) {
    const r = await record(name);
    assert.equal(got.id, r.id, "MVM_INSTANCE_ID is the instance's own");
    assert.equal(got.token, r.secrets[0]?.token, "the secret's token is the instance's own");
    assert.equal(got.mac, r.mac, "the NIC has the instance's own address");
    assert.match(got.before_start, /^template-[0-9a-f]{12}\n$/, "before_start ran once, in the template VM, with the template's identity");
  }
  // Without sync the clone's clock would still say when the template was saved, before this up began.
  assert.ok(late.time_ms >= upAt - 1_000, `the clone's clock was set (guest ${late.time_ms}, up began ${upAt})`);
  const [x, y] = await Promise.all(["a", "b"].map((n) => mvmctl(home, ["exec", n, "--", "sh", "-c", "head -c 16 /dev/urandom | od -An -tx1"])));
  assert.notEqual(x!.stdout, y!.stdout);
  assert.equal((await mvmctl(home, ["down", "late"])).status, 0);
});

test("a clone's network works with its own MAC: it reaches a host listener through the gateway", async () => {
  const seen: string[] = [];
  const listener: Server = createServer((s) => s.on("data", (d) => seen.push(d.toString())).on("error", () => undefined));
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  try {
    const port = (listener.address() as { port: number }).port;
    const r = await mvmctl(home, ["invoke", "b", "--fn", "connect", "--input-json", `port=${port}`]);
    assert.equal(r.stdout, "connected\n", r.stderr);
    await waitFor(() => seen.length === 1, { deadlineMs: 10_000, what: "the host listener to see the clone's connection" });
  } finally {
    listener.close();
  }
});

test("a clone is re-adopted after kill -9 of the daemon: same VM, same identity, invokes work", async () => {
  const before = await ident("b");
  const pid = await daemonPid(home);
  assert.ok(pid);
  process.kill(pid, "SIGKILL");
  await waitFor(async () => (await daemonPid(home)) === undefined, { deadlineMs: 10_000, what: "the daemon to die" });
  const rows = await psJson(home);
  assert.equal(rows.find((r) => r.name === "b")?.state.kind, "ready");
  const after = await ident("b");
  assert.equal(after.id, before.id);
  assert.equal(after.token, before.token);
  assert.equal(after.mac, before.mac);
  assert.match((await mvmctl(home, ["logs", "b"])).stdout, /re-adopted by a restarted daemon/);
});

test("up --cold never uses a template: the cold boot's phases print and the record names no template", async () => {
  const r = await mvmctl(home, ["up", "snap-test", "--name", "c", "--cold", ...BOOT]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^c ready in [\d.]+ (s|ms) \(vmm [\d.]+ (s|ms) · kernel [\d.]+ (s|ms) · configure [\d.]+ (s|ms) · before_start [\d.]+ (s|ms) · runner import [\d.]+ (s|ms) · after_start [\d.]+ (s|ms)\)$/m);
  assert.doesNotMatch(r.stderr, /template/);
  assert.equal((await record("c")).template, undefined);
  const c = await ident("c");
  assert.equal(c.before_start, `${c.id}\n`, "a cold boot runs before_start itself, with its own identity");
  assert.doesNotMatch((await mvmctl(home, ["logs", "c"])).stdout, /restored from snapshot template/);
  assert.equal((await mvmctl(home, ["down", "c"])).status, 0);
});

test("a rebuilt image gets a new template; the old one is stale and prune removes it", async () => {
  const [old] = await ourTemplates();
  assert.ok(old);
  const rebuilt = await mvmctl(home, ["build", appFile, "--no-cache"]);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  const stale = (await templates()).find((t) => t.key === old.key);
  assert.equal(stale?.status, "stale", "no app of this home clones the old template any more");
  assert.match(stale?.reason ?? "", /app snap-test now clones template [0-9a-f]{12}/);
  const up = await mvmctl(home, ["up", "snap-test", "--name", "e", ...BOOT]);
  assert.equal(up.status, 0, up.stderr);
  const line = CLONE_LINE.exec(up.stdout);
  assert.ok(line?.[3], `the rebuilt image's first up makes its own template:\n${up.stdout}`);
  assert.notEqual(line[5], old.key.slice(0, 12));
  const pruned = await mvmctl(home, ["snapshot", "prune", "--json"]);
  assert.equal(pruned.status, 0, pruned.stderr);
  assert.ok((JSON.parse(pruned.stdout) as { removed: TemplateRow[] }).removed.some((t) => t.key === old.key));
  assert.equal((await templates()).some((t) => t.key === old.key), false);
  // a and b run on from the removed template's files (mapped private, unlinked, alive until they exit).
  assert.equal((await mvmctl(home, ["invoke", "a", "--input", "name=still"])).stdout, "hello still\n");
});

test("a truncated template is refused and removed, and a cold boot follows with the message", async () => {
  assert.equal((await mvmctl(home, ["down", "--all"])).status, 0, "no clone may map a file that is truncated under it");
  const [current] = await ourTemplates();
  assert.ok(current);
  await truncate(join(home, "templates", current.key, "ram"), 4096);
  const up = await mvmctl(home, ["up", "snap-test", "--name", "f", ...BOOT]);
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stderr, new RegExp(`warning: no snapshot template: template ${current.key.slice(0, 12)}\\S* was refused and removed: .*RAM file is 4096 bytes.*; booting cold`));
  assert.match(up.stdout, /^f ready in [\d.]+ (s|ms) \(cold boot: no template · vmm /m);
  assert.equal((await templates()).some((t) => t.key === current.key), false, "the refused template is gone");
  assert.equal((await mvmctl(home, ["invoke", "f", "--input", "name=cold"])).stdout, "hello cold\n");
  assert.equal((await mvmctl(home, ["down", "f"])).status, 0);
  assert.equal(qemuUnder(home), undefined);
});

test("rmi of an app removes the template it cloned", async () => {
  const up = await mvmctl(home, ["up", "snap-test", "--name", "g", ...BOOT]);
  assert.equal(up.status, 0, up.stderr);
  const [current] = await ourTemplates();
  assert.ok(current);
  assert.equal((await mvmctl(home, ["down", "g"])).status, 0);
  const rmi = await mvmctl(home, ["rmi", "snap-test"]);
  assert.equal(rmi.status, 0, rmi.stderr);
  assert.equal((await templates()).some((t) => t.key === current.key), false);
});
