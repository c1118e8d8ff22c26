// Secrets the guest never sees, on real microVMs through mvmctl: with a secret set to a long random marker,
// a guest web_fetch to an allowed local server delivers the raw value while the function only ever sees its
// token; a disallowed server receives nothing; another instance's token releases nothing; and the marker is
// nowhere — not in the compile output, the image, any log, ps/logs output, the audit log, the guest's files
// and environment, or guest memory (a QMP pmemsave dump that does find the guest's token and a string the
// function placed there, so the scan is known to see guest memory).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QmpClient } from "@mvm/vmm";
import { cleanupHome, mvmctl, tempHome } from "./run.test-helpers.ts";

const MARKER = `sm-${randomBytes(16).toString("hex")}+/="x`;
const TOKEN = /mvm-secret:api-key:[a-z2-7]{26}/;
let home: string;
let work: string;
const received: { allowed: string[]; other: number; bodies: string[] } = { allowed: [], other: 0, bodies: [] };
let allowed: Server;
let other: Server;
const origin = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

async function listen(onRequest: RequestListener): Promise<Server> {
  const s = createServer(onRequest);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return s;
}

const appPy = (allowedOrigin: string) => `import os
import mvm

KEPT = []

@mvm.app(name="secrets-app", image=mvm.python_image(python="3.12"),
         env={"API_KEY": mvm.secret("api-key", hosts=["${allowedOrigin}"])})
def fetch(url: str, token: str = ""):
    try:
        r = mvm.web_fetch(url, headers={"authorization": "Bearer " + (token or os.environ["API_KEY"])})
        return {"status": r.status, "body": r.text}
    except mvm.MvmError as e:
        return {"refused": e.code, "message": str(e)}

def token():
    return os.environ["API_KEY"]

def post_lines(url: str, n: int):
    # ~900 KB: the relayed frame is chunked (512 KiB pieces), so some token straddles a chunk boundary.
    r = mvm.web_fetch(url, method="POST", headers={"content-type": "text/plain"}, body=(os.environ["API_KEY"] + chr(10)) * n)
    return r.status

def remember(text: str):
    KEPT.append(text.encode("utf-8") * 2)
    return len(KEPT)

def runtime_state():
    """The guest's own run-time state: its environments and every file on its tmpfs mounts and in /etc/mvm."""
    out = {}
    for path in ("/proc/self/environ", "/proc/1/environ"):
        with open(path, "rb") as f:
            out[path] = f.read().decode("latin-1")
    for top in ("/run", "/tmp", "/dev/shm", "/etc/mvm", "/app"):
        for d, _, names in os.walk(top):
            for n in names:
                p = os.path.join(d, n)
                try:
                    with open(p, "rb") as f:
                        out[p] = f.read(1 << 20).decode("latin-1")
                except OSError:
                    pass
    return out
`;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await mvmctl(home, args, { input, cwd: work });
  assert.equal(r.status, 0, `mvmctl ${args.join(" ")}:\n${r.stderr}`);
  return r.stdout;
}

/** `--fn` functions have no statically known parameter types, so inputs are strings; `json` gives exact values. */
async function invoke(instance: string, fn: string, inputs: string[] = [], json: string[] = []): Promise<unknown> {
  const out = await ok(["invoke", instance, "--fn", fn, "--json", ...inputs.flatMap((i) => ["--input", i]), ...json.flatMap((i) => ["--input-json", i])]);
  return (JSON.parse(out) as { value: unknown }).value;
}

before(async () => {
  home = await tempHome("secrets");
  work = await mkdtemp(join(tmpdir(), "mvm-secrets-app-"));
  allowed = await listen((req, res) => {
    received.allowed.push(String(req.headers.authorization));
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      received.bodies.push(Buffer.concat(parts).toString("utf8"));
      res.end(JSON.stringify({ echoed: req.headers.authorization }));
    });
  });
  other = await listen((_req, res) => {
    received.other++;
    res.end("should never be reached");
  });
  const { writeFile } = await import("node:fs/promises");
  await writeFile(join(work, "app.py"), appPy(origin(allowed)));
  await ok(["secret", "set", "api-key", "--allow", origin(allowed)], `${MARKER}\n`);
  await ok(["compile", "app.py", "--out", join(work, "out")]);
  await ok(["build", join(work, "out")]);
  await ok(["up", "secrets-app"]);
  await ok(["up", "secrets-app", "--name", "secrets-other"]);
});
after(async () => {
  await cleanupHome(home);
  await rm(work, { recursive: true, force: true });
  allowed.close();
  other.close();
});

test("the function sees only its token; web_fetch to the allowed origin carries the raw value; the response holds the token again", async () => {
  const token = (await invoke("secrets-app", "token")) as string;
  assert.match(token, TOKEN);
  assert.ok(!token.includes(MARKER));
  const reply = (await invoke("secrets-app", "fetch", [`url=${origin(allowed)}/v1/me`])) as { status: number; body: string };
  assert.equal(reply.status, 200);
  assert.equal(received.allowed.at(-1), `Bearer ${MARKER}`, "the server received the raw value");
  assert.deepEqual(JSON.parse(reply.body), { echoed: `Bearer ${token}` }, "the echoed value came back as the token");
});

test("a body of ~900 KB, chunked on its way out of the guest, has every token replaced, across chunk boundaries too", async () => {
  const n = 18_000;
  assert.equal(await invoke("secrets-app", "post_lines", [`url=${origin(allowed)}/bulk`], [`n=${n}`]), 200);
  const lines = received.bodies.at(-1)!.split("\n").slice(0, -1);
  assert.equal(lines.length, n);
  assert.ok(lines.every((l) => l === MARKER), "every line arrived as the raw value");
});

test("the same call to a disallowed host is refused naming the secret and the host, and that host receives nothing", async () => {
  const reply = (await invoke("secrets-app", "fetch", [`url=${origin(other)}/steal`])) as { refused: string; message: string };
  assert.equal(reply.refused, "SECRET_ORIGIN_NOT_ALLOWED");
  assert.match(reply.message, /"api-key" may not be sent to http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(received.other, 0);
});

test("a token copied from another instance releases nothing", async () => {
  const theirs = (await invoke("secrets-other", "token")) as string;
  const mine = (await invoke("secrets-app", "token")) as string;
  assert.match(theirs, TOKEN);
  assert.notEqual(theirs, mine, "each instance has its own token");
  const before = received.allowed.length;
  const reply = (await invoke("secrets-app", "fetch", [`url=${origin(allowed)}/`, `token=${theirs}`])) as { refused: string };
  assert.equal(reply.refused, "SECRET_UNKNOWN_TOKEN");
  assert.equal(received.allowed.length, before, "nothing was sent");
});

test("the marker is in no file the guest can read, and not in guest memory, where the scan does find the token and a placed string", async () => {
  const state = JSON.stringify(await invoke("secrets-app", "runtime_state"));
  assert.match(state, TOKEN, "the guest's environment holds its token");
  assert.ok(!state.includes(MARKER), "no guest file or environment holds the value");

  const placed = `placed-${randomBytes(12).toString("hex")}`;
  await invoke("secrets-app", "remember", [`text=${placed}`]);
  const token = (await invoke("secrets-app", "token")) as string;
  const record = JSON.parse(await readFile(join(home, "instances", "secrets-app", "state.json"), "utf8")) as { id: string; memory_mb?: number };
  // The daemon holds the VM's one QMP connection; stopped, it releases it (the VM keeps running) and the next
  // mvmctl command starts a daemon that re-adopts the instance.
  await ok(["daemon", "stop"]);
  const dump = join(work, "guest-memory.bin");
  const qmp = await QmpClient.connect(join(home, "run", `${record.id}.qmp`), 10_000);
  try {
    await qmp.execute("pmemsave", { val: 0, size: 256 * 1024 * 1024, filename: dump });
  } finally {
    qmp.close();
  }
  const memory = await readFile(dump);
  assert.equal(memory.length, 256 * 1024 * 1024);
  assert.ok(memory.includes(placed), "the scan sees guest memory: it finds the string the function placed there");
  assert.ok(memory.includes(token), "and the guest's token");
  assert.ok(!memory.includes(MARKER), "but never the secret's value");
  await rm(dump);
  assert.equal((await invoke("secrets-app", "token")) as string, token, "re-adopted after the daemon restart, with the same token");
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

test("the marker appears in no artifact, image, log, listing or audit line on the host — except the 0600 secret file", async () => {
  const outputs = [await ok(["ps", "--json"]), await ok(["logs", "secrets-app"]), await ok(["secret", "ls", "--json"])];
  for (const text of outputs) assert.ok(!text.includes(MARKER));
  const files = [...(await filesUnder(join(work, "out"))), ...(await filesUnder(home))];
  const secretFile = join(home, "secrets", "api-key.json");
  assert.ok(files.includes(secretFile));
  assert.ok(files.some((f) => f.endsWith("rootfs.ext4")) && files.some((f) => f.endsWith("audit.jsonl")) && files.some((f) => f.endsWith("console.log")));
  for (const f of files) {
    if (f === secretFile || (await stat(f)).size > 1024 ** 3) continue;
    assert.ok(!(await readFile(f)).includes(MARKER), `${f} holds the secret's value`);
  }
  const audit = (await readFile(join(home, "audit.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { outcome: string; reason?: string });
  assert.deepEqual([...new Set(audit.map((a) => a.reason ?? a.outcome))].sort(), ["SECRET_ORIGIN_NOT_ALLOWED", "SECRET_UNKNOWN_TOKEN", "released"]);
});
