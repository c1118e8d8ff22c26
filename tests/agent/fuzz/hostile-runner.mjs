// A hostile runner for the fuzz test: the agent starts it in place of the real one (runner_argv) and it answers
// invokes with whatever a seeded PRNG picks: good replies, replies for other ids, mutated frames, bad lengths,
// host_request floods, console floods, crashes and silence. The agent must answer every call with a frame that
// keeps the protocol, restart this runner when it breaks the framing, and never fault under the sanitizers.
// Usage: node hostile-runner.mjs SEED   (each restart moves the seed on, counted in ./hostile-restarts)
import { readFileSync, writeFileSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { frame, mutate, prng } from "./mutate.mjs";

let restarts = 0;
try {
  restarts = Number(readFileSync("hostile-restarts", "utf8")) || 0;
} catch {}
writeFileSync("hostile-restarts", String(restarts + 1));
const r = prng(Number(process.argv[2]) + restarts * 7919);

const send = (buf) => {
  for (let off = 0; off < buf.length; ) off += writeSync(4, buf, off, buf.length - off);
};
const json = (obj) => send(frame(Buffer.from(JSON.stringify(obj))));
const header = (n) => {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(n >>> 0);
  return h;
};

function answer(f) {
  const ok = { type: "result", id: f.id, value: f.input, stdout: "out", stderr: "" };
  switch (r.int(16)) {
    case 0: case 1: case 2: return json(ok);
    case 3: return json({ type: "error", id: f.id, exception: { type: "E", message: "m".repeat(r.int(5000)), traceback: "t" }, stdout: "", stderr: "" });
    case 4: return json({ ...ok, id: f.id + 1000 }), json(ok);
    case 5: return send(frame(mutate(Buffer.from(JSON.stringify(ok)), r)));
    case 6: return json({ type: "host_request", rid: 1 + r.int(5), kind: r.pick(["web_fetch", "", "k".repeat(65)]), payload: { i: r.int(9) } }), json(ok);
    case 7: return send(frame(mutate(Buffer.from(JSON.stringify({ type: "host_request", rid: 7, kind: "web_fetch", payload: {} })), r))), json(ok);
    case 8: return json({ type: "error", id: f.id, code: r.pick(["payload_too_large", "nope", 7]), message: "refused" });
    case 9: return send(header(0));
    case 10: return send(header(r.pick([0xffffffff, 65 * 1024 * 1024 + 1, 100]))), send(r.bytes(50));
    case 11: return writeSync(7, Buffer.alloc(200_000, 0x41)), writeSync(1, "noise\n"), json(ok);
    case 12: return process.exit(3);
    case 13: return r.int(3) === 0 ? undefined : json(ok); // sometimes silence: the call's deadline answers it
    case 14: return json({ ...ok, value: r.int(2) ? Array.from({ length: 300 }, (_, i) => ({ [`k${i}`]: i })) : "v" }), json({ type: "whatever" });
    default: return send(frame(Buffer.from(`{"type":"result","id":${f.id},"value":[${"0,".repeat(9 * 1024 * 1024)}0],"stdout":"","stderr":""}`)));
  }
}

let pieces = [];
let held = 0;
let want = -1;
function take(n) {
  const all = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, held);
  pieces = all.length > n ? [all.subarray(n)] : [];
  held = all.length - n;
  return all.subarray(0, n);
}
new Socket({ fd: 3, readable: true, writable: false })
  .on("data", (data) => {
    pieces.push(data);
    held += data.length;
    for (;;) {
      if (want < 0) {
        if (held < 4) return;
        want = take(4).readUInt32BE(0);
      }
      if (held < want) return;
      const f = JSON.parse(take(want).toString("utf8"));
      want = -1;
      if (f.type === "init") json({ type: "started" });
      else if (f.type === "invoke") answer(f);
    }
  })
  .on("end", () => process.exit(0));
