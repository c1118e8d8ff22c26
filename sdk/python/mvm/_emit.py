"""Printing the IR: ``emit_json()`` and, under ``MVM_SDK_MODE=emit``, at interpreter exit."""
from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

from . import _excepthook
from ._canonical import canonical_document
from ._declaration.app import workload_of
from ._errors import MvmError, SourceLocation
from ._exit_status import ScriptOutcome, find_main_frame, watch_script
from ._guest_mode import in_guest
from ._state import STATE


def emit(location: SourceLocation | None) -> None:
    """Prints the declared app's IR once per process: to MVM_SDK_OUT_PATH when set, else stdout; nothing inside
    an mvm image (``MVM_SDK_MODE=guest``)."""
    if STATE.emitted or in_guest():
        return
    if STATE.app is None:
        raise MvmError("DECL_NO_APP", "no app was declared before the IR was emitted",
                       "decorate one function with @mvm.app(...) first", location=location)
    document = canonical_document(workload_of(STATE.app))
    STATE.emitted = True
    out_path = os.environ.get("MVM_SDK_OUT_PATH")
    if out_path:
        Path(out_path).write_bytes(document)
        return
    sys.stdout.flush()  # text the script printed first stays first
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:
        sys.stdout.write(document.decode("utf-8"))
    else:
        binary.write(document)
        binary.flush()
    sys.stdout.flush()


def install_emit_at_exit() -> None:
    """``MVM_SDK_MODE=emit``: print at exit if the script succeeded and nothing was emitted yet."""
    if os.environ.get("MVM_SDK_MODE") != "emit":
        return
    outcome = ScriptOutcome(find_main_frame())
    watch_script(outcome)
    _excepthook.on_uncaught(lambda _err: setattr(outcome, "uncaught", True))

    def emit_at_exit() -> None:
        if STATE.emitted or not outcome.succeeded():
            return
        try:
            emit(None)
        except Exception as err:  # noqa: BLE001 — any failure here must end the process non-zero
            message = err.format() if isinstance(err, MvmError) else f"error: could not emit the IR: {err!r}"
            sys.stderr.write(f"{message}\n")
            sys.stderr.flush()
            sys.stdout.flush()
            # An atexit handler cannot change the exit status any other way; the streams are flushed above.
            os._exit(1)

    atexit.register(emit_at_exit)
