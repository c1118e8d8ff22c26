"""Whether the script that imported mvm succeeded, known at interpreter exit (for MVM_SDK_MODE=emit).

Python tells atexit handlers nothing about how the script ended, and a SystemExit never reaches
sys.excepthook. So success is observed positively: the ``__main__`` module's frame finished on a return
instruction (it ran to its end), or the script asked for ``sys.exit(0)``. An uncaught exception seen by
sys.excepthook is always a failure.
"""
from __future__ import annotations

import dis
import sys
from types import FrameType
from typing import Any

_RETURN_OPS = {dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap}


class ScriptOutcome:
    def __init__(self, main_frame: FrameType | None) -> None:
        self._main_frame = main_frame
        self.uncaught = False
        self.requested_exit: Any = None
        self.exit_requested = False

    def succeeded(self) -> bool:
        if self.uncaught:
            return False
        if self.exit_requested:
            return self.requested_exit is None or self.requested_exit == 0
        if self._main_frame is None:
            return True
        return self._main_frame.f_code.co_code[self._main_frame.f_lasti] in _RETURN_OPS


def find_main_frame() -> FrameType | None:
    """The outermost ``<module>`` frame of ``__main__``: the script being run (also under ``python -m``)."""
    frame: FrameType | None = sys._getframe(1)
    main = None
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == "__main__":
            main = frame
        frame = frame.f_back
    return main


def watch_script(outcome: ScriptOutcome) -> None:
    """Records the status given to sys.exit (an exit function imported before mvm is not seen; the frame check
    then treats the script as failed, the safe side). Uncaught exceptions are recorded via _excepthook."""
    original_exit = sys.exit

    def recording_exit(status: Any = None) -> None:
        outcome.exit_requested = True
        outcome.requested_exit = status
        original_exit(status)

    sys.exit = recording_exit
