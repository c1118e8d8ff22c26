"""mvm Python runner: imports the app module once and calls its function per invoke (guest/PROTOCOL.md
section "Runner framing"). Stdlib only, Python 3.11+.

Frames are 4-byte big-endian length + UTF-8 JSON, read on stdin and written on stdout. fd 1 is moved aside at
start so stray writes to it land on stderr (the console) instead of corrupting the frame stream.

Per-call capture: sys.stdout/sys.stderr are replaced by proxies that write into the calling thread's buffers;
output written straight to fd 1/2 (C extensions, child processes) or from threads the function starts goes to
the console instead of the result.
"""
import asyncio
import http.server
import importlib
import inspect
import io
import json
import os
import struct
import sys
import threading
import traceback
import types

MAX_FRAME_FROM_AGENT = 64 * 1024 * 1024 + 1024 * 1024

_out_fd = os.dup(1)
os.dup2(2, 1)
_out_lock = threading.Lock()
_tls = threading.local()


def send(obj):
    data = json.dumps(obj, ensure_ascii=True, allow_nan=False).encode("ascii")
    with _out_lock:
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            view = view[os.write(_out_fd, view):]


def read_exact(n):
    chunks, got = [], 0
    while got < n:
        b = os.read(0, min(n - got, 1 << 20))
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


class _CallStream(io.TextIOBase):
    """Routes writes to the current call's buffer, or to the real stream outside a call."""

    def __init__(self, name, fallback):
        self._name, self._fallback = name, fallback

    def write(self, s):
        buf = getattr(_tls, self._name, None)
        (buf if buf is not None else self._fallback).write(s)
        return len(s)

    def flush(self):
        self._fallback.flush()

    def writable(self):
        return True


_pending_host = {}
_pending_lock = threading.Lock()
_next_rid = [0]


def host_request(kind, payload):
    """Asks the host to do something for the function (e.g. kind="web_fetch") and waits for its answer."""
    with _pending_lock:
        _next_rid[0] += 1
        rid = _next_rid[0]
        slot = {"event": threading.Event()}
        _pending_host[rid] = slot
    send({"type": "host_request", "rid": rid, "kind": kind, "payload": payload})
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


def run_call(module, entry, call_id, inputs, name=None):
    out, err = io.StringIO(), io.StringIO()
    _tls.stdout, _tls.stderr = out, err
    try:
        fn = entry if name is None else function_named(module, name)
        inspect.signature(fn).bind(**inputs)  # a missing or unknown input raises TypeError before the function runs
        value = fn(**inputs)
        if inspect.isawaitable(value):
            value = asyncio.run(_await(value))
        reply = {"type": "result", "id": call_id, "value": value}
        json.dumps(value, allow_nan=False)
    except BaseException as e:  # noqa: BLE001 - every failure of user code is reported, never fatal
        reply = {"type": "error", "id": call_id, "exception": {
            "type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()}}
    finally:
        _tls.stdout = _tls.stderr = None
    reply["stdout"], reply["stderr"] = out.getvalue(), err.getvalue()
    try:
        send(reply)
    except (TypeError, ValueError) as e:
        send({"type": "error", "id": call_id, "stdout": reply["stdout"], "stderr": reply["stderr"], "exception": {
            "type": "TypeError", "message": f"the return value is not JSON: {e}", "traceback": ""}})


async def _await(x):
    return await x


def main():
    init = read_frame()
    if not init or init.get("type") != "init":
        raise SystemExit("mvm-runner: expected an init frame")
    working_dir = init["working_dir"]
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
        sys.exit(1)
    sys.stdout = _CallStream("stdout", sys.__stdout__)
    sys.stderr = _CallStream("stderr", sys.__stderr__)
    imported = threading.Event()
    try:
        serve_health(int(init["health_port"]), imported.is_set)
    except OSError as e:
        print(f"mvm-runner: health endpoint on 127.0.0.1:{init['health_port']} failed: {e}", file=sys.__stderr__)
    imported.set()
    send({"type": "started"})
    while True:
        frame = read_frame()
        if frame is None:
            return
        if frame["type"] == "invoke":
            args = (module, fn, frame["id"], frame["input"], frame.get("function"))
            threading.Thread(target=run_call, args=args, daemon=True).start()
        elif frame["type"] == "configure":
            # In frame order: an invoke read after this sees the instance's values. Values the app read at
            # import time keep what they were (docs/snapshots.md).
            os.environ.update(frame["env"])
        elif frame["type"] == "host_response":
            with _pending_lock:
                slot = _pending_host.pop(frame["rid"], None)
            if slot:
                slot["reply"] = frame
                slot["event"].set()


if __name__ == "__main__":
    main()
