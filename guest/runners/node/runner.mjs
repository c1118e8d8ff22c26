// mvm Node runner: imports the app's compiled module once and calls its function per invoke
// (guest/PROTOCOL.md "Runner framing"). Frames: 4-byte big-endian length + UTF-8 JSON on stdin/stdout.
//
// Per-call capture: process.stdout.write / process.stderr.write (and so console.*) are routed by
// AsyncLocalStorage to the current call's buffers; output outside a call goes to stderr (the console).
// The frame stream keeps the original stdout writer, which is synchronous for pipes on Linux.
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { join, isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";

const MAX_FRAME_FROM_AGENT = 64 * 1024 * 1024 + 1024 * 1024;
const writeFrameBytes = process.stdout.write.bind(process.stdout);
const writeConsole = process.stderr.write.bind(process.stderr);
const capture = new AsyncLocalStorage();

function send(obj) {
  const body = Buffer.from(JSON.stringify(obj), "utf8");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  writeFrameBytes(Buffer.concat([header, body]));
}

function route(name) {
  return (chunk, encoding, cb) => {
    const store = capture.getStore();
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (store) store[name] += text;
    else writeConsole(text);
    const done = typeof encoding === "function" ? encoding : cb;
    if (typeof done === "function") done();
    return true;
  };
}
process.stdout.write = route("stdout");
process.stderr.write = route("stderr");

const pendingHost = new Map();
let nextRid = 0;
/** Asks the host to do something for the function (e.g. "web_fetch"); resolves with its value. */
export function hostRequest(kind, payload) {
  const rid = ++nextRid;
  return new Promise((resolve, reject) => {
    pendingHost.set(rid, { resolve, reject, kind });
    send({ type: "host_request", rid, kind, payload });
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

async function runCall(id, input, name) {
  const store = { stdout: "", stderr: "" };
  await capture.run(store, async () => {
    let reply;
    try {
      const f = name === undefined ? fn : functionNamed(name);
      const names = name === undefined ? params : paramNames(f);
      const unknown = names ? Object.keys(input).filter((k) => !names.includes(k)) : [];
      if (unknown.length) throw new TypeError(`unexpected input ${unknown.join(", ")}; parameters: ${names.join(", ")}`);
      const value = await (names ? f(...names.map((p) => input[p])) : f(input));
      reply = { type: "result", id, value: value === undefined ? null : value };
      JSON.stringify(reply);
    } catch (e) {
      reply = { type: "error", id, exception: exceptionOf(e) };
    }
    Object.assign(reply, { stdout: store.stdout, stderr: store.stderr });
    send(reply);
  });
}

let fn;
let moduleNs;
let params = [];
let imported = false;
let buffer = Buffer.alloc(0);

async function onFrame(frame) {
  if (frame.type === "init") {
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
      .on("error", (e) => writeConsole(`mvm-runner: health endpoint failed: ${e.message}\n`))
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

let chain = Promise.resolve();
process.stdin.on("data", (data) => {
  buffer = Buffer.concat([buffer, data]);
  while (buffer.length >= 4) {
    const n = buffer.readUInt32BE(0);
    if (n === 0 || n > MAX_FRAME_FROM_AGENT) {
      writeConsole(`mvm-runner: bad frame length ${n}\n`);
      process.exit(2);
    }
    if (buffer.length < 4 + n) break;
    const frame = JSON.parse(buffer.subarray(4, 4 + n).toString("utf8"));
    buffer = buffer.subarray(4 + n);
    // init must finish (the import) before any invoke runs; invokes themselves run concurrently
    chain = frame.type === "init" ? chain.then(() => onFrame(frame)) : chain.then(() => void onFrame(frame));
  }
});
process.stdin.on("end", () => process.exit(0));
