"""mvm Python runner: imports the app module once and calls its function per invoke (guest/PROTOCOL.md
section "Runner framing"). Stdlib only, Python 3.11+.

The agent starts it with these fds (all made close-on-exec here, so nothing the function starts inherits them):
  0 /dev/null                1, 2 pipes this runner reads back on 5 and 6
  3 frames from the agent    4 frames to the agent    7 the console (relayed as mvm-runner: lines)
Frames are 4-byte big-endian length + UTF-8 JSON. User code cannot reach them through stdin or stdout.

Output capture: sys.stdout/sys.stderr are proxies that write into the calling thread's buffers. Bytes written at
the fd level (threads the function starts, C extensions, child processes) come back on 5 and 6 and go to the call
when exactly one call is in flight as they are read, else to the console.
"""
import asyncio
import codecs
import http.server
import importlib
import inspect
import io
import json
import os
import queue
import select
import struct
import sys
import threading
import traceback
import types

FRAMES_IN, FRAMES_OUT, OWN_STDOUT, OWN_STDERR, CONSOLE = 3, 4, 5, 6, 7
MAX_FRAME_FROM_AGENT = 64 * 1024 * 1024 + 1024 * 1024

for _fd in (FRAMES_IN, FRAMES_OUT, OWN_STDOUT, OWN_STDERR, CONSOLE):
    os.set_inheritable(_fd, False)
_out_lock = threading.Lock()
_tls = threading.local()
_max_result_bytes = [MAX_FRAME_FROM_AGENT]


def console(text):
    data = text.encode("utf-8", "replace")
    while data:
        data = data[os.write(CONSOLE, data):]


def send(obj):
    data = json.dumps(obj, ensure_ascii=True, allow_nan=False).encode("ascii")
    with _out_lock:
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            view = view[os.write(FRAMES_OUT, view):]


def read_exact(n):
    chunks, got = [], 0
    while got < n:
        b = os.read(FRAMES_IN, min(n - got, 1 << 20))
        if not b:
            return None
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def read_frame():
    header = read_exact(4)
    if header is None:
        return None
    (n,) = struct.unpack(">I", header)
    if n == 0 or n > MAX_FRAME_FROM_AGENT:
        raise SystemExit(f"mvm-runner: bad frame length {n}")
    body = read_exact(n)
    return None if body is None else json.loads(body)


class Capture:
    """One call's output: what its thread wrote through sys.stdout/stderr, plus fd-level bytes routed to it."""

    def __init__(self):
        self.streams = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        self.decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in self.streams}

    def feed(self, name, data, final=False):
        self.streams[name].write(self.decoders[name].decode(data, final))

    def text(self, name):
        self.feed(name, b"", final=True)
        return self.streams[name].getvalue()


_calls = {}
_route_lock = threading.Lock()


def _route(fd, data):
    """The one-call rule; the caller holds _route_lock."""
    only = next(iter(_calls.values())) if len(_calls) == 1 else None
    if only is None:
        while data:
            data = data[os.write(CONSOLE, data):]
    else:
        only.feed("stdout" if fd == OWN_STDOUT else "stderr", data)


def _drain(fd):
    """Routes what fd holds now (non-blocking: the agent opens 5 and 6 so); False at EOF. Holds _route_lock."""
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            return False
        _route(fd, data)


def _read_own_fds():
    fds = [OWN_STDOUT, OWN_STDERR]
    while fds:
        ready, _, _ = select.select(fds, [], [])
        for fd in ready:
            with _route_lock:  # a call that ends drains under this lock, so its bytes never race past it
                if not _drain(fd):
                    fds.remove(fd)


threading.Thread(target=_read_own_fds, daemon=True).start()


class _CallStream(io.TextIOBase):
    """Routes writes to the current call's capture, or to the real fd (and so the one-call rule) elsewhere."""

    def __init__(self, name, fallback):
        self._name, self._fallback = name, fallback

    def write(self, s):
        cap = getattr(_tls, "capture", None)
        if cap is None:
            self._fallback.write(s)
            self._fallback.flush()
        else:
            cap.streams[self._name].write(s)
        return len(s)

    def flush(self):
        self._fallback.flush()

    def writable(self):
        return True


_pending_host = {}
_pending_lock = threading.Lock()
_next_rid = [0]


def host_request(kind, payload):
    """Asks the host to do something for the function (e.g. kind="web_fetch") and waits for its answer. The
    agent answers every request: with the host's reply, or with an error when it cannot relay it."""
    with _pending_lock:
        _next_rid[0] += 1
        rid = _next_rid[0]
        slot = {"event": threading.Event()}
        _pending_host[rid] = slot
    request = {"type": "host_request", "rid": rid, "kind": kind, "payload": payload}
    call = getattr(_tls, "call_id", None)
    if call is not None:
        request["call"] = call  # so the agent refuses it once the call's host session has ended
    send(request)
    slot["event"].wait()
    reply = slot["reply"]
    if reply.get("ok"):
        return reply.get("value")
    err = reply.get("error") or {}
    raise RuntimeError(f"host_request {kind} failed: {err.get('code', '?')}: {err.get('message', '')}")


def serve_health(port, is_ready):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/health" and is_ready()
            body = b"ok\n" if ok else b"not found\n"
            self.send_response(200 if ok else 404 if self.path != "/health" else 503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def function_named(module, name):
    """Another function of the entrypoint's module (`mvmctl invoke --fn NAME`)."""
    fn = getattr(module, name, None)
    if name.startswith("_") or not callable(fn):
        raise AttributeError(f"module {module.__name__} has no public function {name}")
    return fn


_calls_queue = queue.SimpleQueue()
_idle_lock = threading.Lock()
_idle_workers = [0]


def _worker():
    while True:
        run_call(*_calls_queue.get())
        with _idle_lock:
            _idle_workers[0] += 1


def dispatch_call(args):
    """Runs a call on an idle worker thread, or on a new one: under TCG starting a thread per call cost more
    than a trivial call itself. Calls still run concurrently, one per thread."""
    with _idle_lock:
        spawn = _idle_workers[0] == 0
        if not spawn:
            _idle_workers[0] -= 1
    _calls_queue.put(args)
    if spawn:
        threading.Thread(target=_worker, daemon=True).start()


_signatures = {}


def signature_of(fn):
    """inspect.signature, once per function: it is pure Python and, under TCG, most of a trivial call's cost."""
    sig = _signatures.get(fn)
    if sig is None:
        sig = _signatures[fn] = inspect.signature(fn)
    return sig


def encode_reply(call_id, reply):
    """The frame for a call's reply, or a payload_too_large error for that call alone when it would not fit."""
    try:
        data = json.dumps(reply, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as e:
        return json.dumps({"type": "error", "id": call_id, "stdout": reply["stdout"], "stderr": reply["stderr"], "exception": {
            "type": "TypeError", "message": f"the return value is not JSON: {e}", "traceback": ""}})
    if len(data) > _max_result_bytes[0]:
        return json.dumps({"type": "error", "id": call_id, "code": "payload_too_large", "message": (
            f"the {'result' if reply['type'] == 'result' else 'exception'} with its output is {len(data)} bytes "
            f"encoded; a call may return at most {_max_result_bytes[0]} (MAX_PAYLOAD less the reply's envelope)")})
    return data


def run_call(module, entry, call_id, inputs, name=None):
    cap = Capture()
    with _route_lock:
        _calls[call_id] = cap
    _tls.capture, _tls.call_id = cap, call_id
    try:
        fn = entry if name is None else function_named(module, name)
        signature_of(fn).bind(**inputs)  # a missing or unknown input raises TypeError before the function runs
        value = fn(**inputs)
        if inspect.isawaitable(value):
            value = asyncio.run(_await(value))
        reply = {"type": "result", "id": call_id, "value": value}
    except BaseException as e:  # noqa: BLE001 - every failure of user code is reported, never fatal
        reply = {"type": "error", "id": call_id, "exception": {
            "type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()}}
    finally:
        _tls.capture = _tls.call_id = None
    with _route_lock:  # what the call wrote at the fd level before returning is in the pipes now
        _drain(OWN_STDOUT)
        _drain(OWN_STDERR)
        del _calls[call_id]
    reply["stdout"], reply["stderr"] = cap.text("stdout"), cap.text("stderr")
    data = encode_reply(call_id, reply).encode("ascii")
    with _out_lock:
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            view = view[os.write(FRAMES_OUT, view):]


async def _await(x):
    return await x


def main():
    init = read_frame()
    if not init or init.get("type") != "init":
        raise SystemExit("mvm-runner: expected an init frame")
    _max_result_bytes[0] = int(init.get("max_result_bytes", MAX_FRAME_FROM_AGENT))
    working_dir = init["working_dir"]
    sys.stdout = _CallStream("stdout", sys.__stdout__)
    sys.stderr = _CallStream("stderr", sys.__stderr__)
    try:
        os.chdir(working_dir)
        sys.path.insert(0, working_dir)
        guest = types.ModuleType("mvm_guest")
        guest.host_request = host_request
        sys.modules["mvm_guest"] = guest
        module = importlib.import_module(init["module"])
        fn = getattr(module, init["function"])
        if not callable(fn):
            raise TypeError(f"{init['module']}.{init['function']} is not callable")
        inspect.signature(fn)
    except BaseException as e:  # noqa: BLE001
        send({"type": "init_failed", "code": "invalid_entrypoint",
              "message": f"cannot load {init['module']}.{init['function']}: {type(e).__name__}: {e}"})
        console(traceback.format_exc())
        sys.exit(1)
    imported = threading.Event()
    try:
        serve_health(int(init["health_port"]), imported.is_set)
    except OSError as e:
        console(f"health endpoint on 127.0.0.1:{init['health_port']} failed: {e}\n")
    imported.set()
    send({"type": "started"})
    while True:
        frame = read_frame()
        if frame is None:
            return
        if frame["type"] == "invoke":
            args = (module, fn, frame["id"], frame["input"], frame.get("function"))
            dispatch_call(args)
        elif frame["type"] == "configure":
            # In frame order: an invoke read after this sees the instance's values. Values the app read at
            # import time keep what they were (docs/snapshots.md).
            os.environ.update(frame["env"])
        elif frame["type"] == "reseed":
            # A snapshot restore: every clone holds the template's generator state. `random` seeds itself
            # from os.urandom (already fresh: the agent reseeded the kernel's CRNG before sending this).
            seeded = sys.modules.get("random")
            if seeded is not None:
                seeded.seed()
        elif frame["type"] == "host_response":
            with _pending_lock:
                slot = _pending_host.pop(frame["rid"], None)
            if slot:
                slot["reply"] = frame
                slot["event"].set()


if __name__ == "__main__":
    main()
