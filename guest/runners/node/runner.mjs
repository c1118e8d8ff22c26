// mvm Node runner: imports the app's compiled module once and calls its function per invoke
// (guest/PROTOCOL.md "Runner framing"). Frames: 4-byte big-endian length + UTF-8 JSON.
//
// The agent starts it with these fds: 0 /dev/null · 1, 2 pipes this runner reads back on 5 and 6 · 3 frames from
// the agent · 4 frames to the agent · 7 the console (relayed as mvm-runner: lines). Node can neither dup2 nor set
// FD_CLOEXEC, so 3-7 are reopened through /proc/self/fd (Node opens every file close-on-exec) and the inherited
// copies closed: a child process, even with stdio "inherit", sees only 0-2.
//
// Output capture: process.stdout.write / process.stderr.write (and so console.*) are routed by AsyncLocalStorage to
// the current call. Bytes written at the fd level (fs.writeSync(1), children with inherited stdio, native code)
// come back on 5 and 6 and go to the call when exactly one call is in flight as they are read, else to the console.
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync, constants, existsSync, openSync, readSync, writeSync } from "node:fs";
import { createServer } from "node:http";
import { Socket } from "node:net";
import { join, isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";

const MAX_FRAME_FROM_AGENT = 64 * 1024 * 1024 + 1024 * 1024;

function privateFd(fd, flags) {
  try {
    const copy = openSync(`/proc/self/fd/${fd}`, flags);
    closeSync(fd);
    return copy;
  } catch {
    return fd; // no /proc: keep the inherited fd (children would inherit it too)
  }
}
const framesIn = privateFd(3, constants.O_RDONLY);
const framesOut = privateFd(4, constants.O_WRONLY);
const ownStdout = privateFd(5, constants.O_RDONLY | constants.O_NONBLOCK);
const ownStderr = privateFd(6, constants.O_RDONLY | constants.O_NONBLOCK);
const consoleFd = privateFd(7, constants.O_WRONLY);

function writeAll(fd, buf) {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}
const writeConsole = (text) => writeAll(consoleFd, Buffer.from(text, "utf8"));
let maxResultBytes = MAX_FRAME_FROM_AGENT;

function sendText(text) {
  const body = Buffer.from(text, "utf8");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  writeAll(framesOut, Buffer.concat([header, body]));
}
const send = (obj) => sendText(JSON.stringify(obj));

/** One call's output: language-level writes and fd-level bytes routed to it. */
class Capture {
  constructor(id) {
    this.id = id;
  }
  stdout = "";
  stderr = "";
  decoders = { stdout: new TextDecoder("utf-8"), stderr: new TextDecoder("utf-8") };
  feed(name, bytes) {
    this[name] += this.decoders[name].decode(bytes, { stream: true });
  }
  finish() {
    for (const name of ["stdout", "stderr"]) this[name] += this.decoders[name].decode();
  }
}
const capture = new AsyncLocalStorage();
const calls = new Map();

function routeFd(fd, bytes) {
  const name = fd === ownStdout ? "stdout" : "stderr";
  if (calls.size === 1) calls.values().next().value.feed(name, bytes);
  else writeAll(consoleFd, bytes);
}
function drainFd(fd) {
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === "EAGAIN") return;
      throw e;
    }
    if (n === 0) return;
    routeFd(fd, buf.subarray(0, n));
  }
}
for (const fd of [ownStdout, ownStderr]) {
  new Socket({ fd, readable: true, writable: false }).on("data", (bytes) => routeFd(fd, bytes)).on("error", () => {});
}

const writeOwnStdout = process.stdout.write.bind(process.stdout);
const writeOwnStderr = process.stderr.write.bind(process.stderr);
function route(name, ownWrite) {
  return (chunk, encoding, cb) => {
    const store = capture.getStore();
    const done = typeof encoding === "function" ? encoding : cb;
    if (!store) return ownWrite(chunk, encoding, cb); // the fd, and so the one-call rule
    store[name] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (typeof done === "function") done();
    return true;
  };
}
process.stdout.write = route("stdout", writeOwnStdout);
process.stderr.write = route("stderr", writeOwnStderr);

const pendingHost = new Map();
let nextRid = 0;
/**
 * Asks the host to do something for the function (e.g. "web_fetch"); resolves with its value. The agent answers
 * every request: with the host's reply, or with an error when it cannot relay it.
 */
export function hostRequest(kind, payload) {
  const rid = ++nextRid;
  return new Promise((resolve, reject) => {
    pendingHost.set(rid, { resolve, reject, kind });
    // The calling call, so the agent refuses the request once that call's host session has ended.
    const call = capture.getStore()?.id;
    send({ type: "host_request", rid, kind, payload, ...(call === undefined ? {} : { call }) });
  });
}
globalThis.mvmHostRequest = hostRequest;

function resolveModule(workingDir, module) {
  const base = isAbsolute(module) ? module : join(workingDir, module);
  for (const candidate of [base, `${base}.mjs`, `${base}.js`, `${base}.cjs`]) {
    if (/\.(m|c)?js$/.test(candidate) && existsSync(candidate)) return candidate;
  }
  throw new Error(`no compiled module ${module}(.mjs|.js|.cjs) in ${workingDir}`);
}

function exceptionOf(e) {
  if (e instanceof Error) return { type: e.name, message: e.message, traceback: e.stack ?? "" };
  return { type: typeof e, message: String(e), traceback: "" };
}

/**
 * The parameter names of a function the static parse did not see (`invoke --fn`), read from its source text;
 * null when a parameter is not a plain name (destructuring, rest), and the call then gets the inputs as one object.
 */
function paramNames(f) {
  const text = Function.prototype.toString.call(f);
  const bare = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text);
  if (bare) return [bare[1]];
  const open = text.indexOf("(");
  if (open < 0) return null;
  let depth = 0;
  let end = open;
  for (; end < text.length; end++) {
    if ("([{".includes(text[end])) depth++;
    else if (")]}".includes(text[end]) && --depth === 0) break;
  }
  const inner = text.slice(open + 1, end).trim();
  if (!inner) return [];
  const names = [];
  let part = "";
  depth = 0;
  for (const ch of `${inner},`) {
    if ("([{".includes(ch)) depth++;
    if (")]}".includes(ch)) depth--;
    if (ch === "," && depth === 0) {
      const name = /^\s*([A-Za-z_$][\w$]*)\s*(=|$)/.exec(part)?.[1];
      if (!name) return null;
      names.push(name);
      part = "";
    } else part += ch;
  }
  return names;
}

function functionNamed(name) {
  const f = moduleNs[name] ?? moduleNs.default?.[name];
  if (name.startsWith("_") || typeof f !== "function") throw new TypeError(`the module has no exported function ${name}`);
  return f;
}

/** The reply frame's text, or a payload_too_large error for this call alone when it would not fit. */
function encodeReply(id, reply) {
  let text;
  try {
    text = JSON.stringify(reply);
  } catch (e) {
    return JSON.stringify({ type: "error", id, stdout: reply.stdout, stderr: reply.stderr, exception: exceptionOf(e) });
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= maxResultBytes) return text;
  const what = reply.type === "result" ? "result" : "exception";
  return JSON.stringify({ type: "error", id, code: "payload_too_large",
    message: `the ${what} with its output is ${bytes} bytes encoded; a call may return at most ${maxResultBytes} (MAX_PAYLOAD less the reply's envelope)` });
}

async function runCall(id, input, name) {
  const store = new Capture(id);
  calls.set(id, store);
  let reply;
  await capture.run(store, async () => {
    try {
      const f = name === undefined ? fn : functionNamed(name);
      const names = name === undefined ? params : paramNames(f);
      const unknown = names ? Object.keys(input).filter((k) => !names.includes(k)) : [];
      if (unknown.length) throw new TypeError(`unexpected input ${unknown.join(", ")}; parameters: ${names.join(", ")}`);
      const value = await (names ? f(...names.map((p) => input[p])) : f(input));
      reply = { type: "result", id, value: value === undefined ? null : value };
    } catch (e) {
      reply = { type: "error", id, exception: exceptionOf(e) };
    }
  });
  // What the call wrote at the fd level before it returned is in the pipes now.
  drainFd(ownStdout);
  drainFd(ownStderr);
  calls.delete(id);
  store.finish();
  Object.assign(reply, { stdout: store.stdout, stderr: store.stderr });
  sendText(encodeReply(id, reply));
}

let fn;
let moduleNs;
let params = [];
let imported = false;

async function onFrame(frame) {
  if (frame.type === "init") {
    maxResultBytes = frame.max_result_bytes ?? maxResultBytes;
    try {
      process.chdir(frame.working_dir);
      moduleNs = await import(pathToFileURL(resolveModule(frame.working_dir, frame.module)).href);
      fn = moduleNs[frame.function] ?? moduleNs.default?.[frame.function];
      if (typeof fn !== "function") throw new TypeError(`${frame.module}.${frame.function} is not a function`);
      params = frame.params;
    } catch (e) {
      send({ type: "init_failed", code: "invalid_entrypoint", message: `cannot load ${frame.module}.${frame.function}: ${e}` });
      process.exit(1);
    }
    createServer((req, res) => {
      const ok = req.url === "/health" && imported;
      res.writeHead(ok ? 200 : 404).end(ok ? "ok\n" : "not found\n");
    })
      .on("error", (e) => writeConsole(`health endpoint failed: ${e.message}\n`))
      .listen(frame.health_port, "127.0.0.1");
    imported = true;
    send({ type: "started" });
  } else if (frame.type === "invoke") {
    void runCall(frame.id, frame.input, frame.function);
  } else if (frame.type === "configure") {
    // In frame order: an invoke read after this sees the instance's values (docs/snapshots.md).
    Object.assign(process.env, frame.env);
  } else if (frame.type === "host_response") {
    const slot = pendingHost.get(frame.rid);
    pendingHost.delete(frame.rid);
    if (!slot) return;
    if (frame.ok) slot.resolve(frame.value ?? null);
    else slot.reject(new Error(`host_request ${slot.kind} failed: ${frame.error?.code}: ${frame.error?.message}`));
  }
}

// Frames from the agent: pieces are kept until a whole frame is there, then joined once.
let pieces = [];
let held = 0;
let want = -1;
function take(n) {
  const all = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, held);
  pieces = all.length > n ? [all.subarray(n)] : [];
  held = all.length - n;
  return all.subarray(0, n);
}
let chain = Promise.resolve();
new Socket({ fd: framesIn, readable: true, writable: false })
  .on("data", (data) => {
    pieces.push(data);
    held += data.length;
    for (;;) {
      if (want < 0) {
        if (held < 4) return;
        want = take(4).readUInt32BE(0);
        if (want === 0 || want > MAX_FRAME_FROM_AGENT) {
          writeConsole(`bad frame length ${want}\n`);
          process.exit(2);
        }
      }
      if (held < want) return;
      const frame = JSON.parse(take(want).toString("utf8"));
      want = -1;
      // init must finish (the import) before any invoke runs; invokes themselves run concurrently
      chain = frame.type === "init" ? chain.then(() => onFrame(frame)) : chain.then(() => void onFrame(frame));
    }
  })
  .on("end", () => process.exit(0));
