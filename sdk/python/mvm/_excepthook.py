"""How an uncaught MvmError reads: the user's frames, then ``file:line:col: error[CODE]: message``."""
from __future__ import annotations

import os
import sys
import traceback
from types import TracebackType
from typing import Callable

from ._errors import MvmError

_SDK_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

Listener = Callable[[BaseException], None]
_listeners: list[Listener] = []


def on_uncaught(listener: Listener) -> None:
    _listeners.append(listener)


def install() -> None:
    previous = sys.excepthook

    def hook(kind: type[BaseException], err: BaseException, tb: TracebackType | None) -> None:
        for listener in _listeners:
            listener(err)
        if not isinstance(err, MvmError):
            previous(kind, err, tb)
            return
        frames = [f for f in traceback.extract_tb(tb) if not os.path.abspath(f.filename).startswith(_SDK_DIR)]
        text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) if frames else ""
        sys.stderr.write(f"{text}{err.format()}\n")
        sys.stderr.flush()

    sys.excepthook = hook
