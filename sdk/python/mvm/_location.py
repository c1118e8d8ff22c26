"""The user's call site of an SDK function, as an mvm SourceLocation."""
from __future__ import annotations

import linecache
from itertools import islice
from types import FrameType
from typing import Callable, TypeVar

from ._errors import MvmError, SourceLocation

T = TypeVar("T")


def frame_location(frame: FrameType) -> SourceLocation:
    """Where ``frame`` is calling from: the start of the call expression being executed.

    ``co_positions`` (Python 3.11+) gives the call's column as a UTF-8 byte offset; mvm columns count
    code points, so the offset is converted against the source line.
    """
    code = frame.f_code
    line, byte_offset = frame.f_lineno, None
    position = next(islice(code.co_positions(), frame.f_lasti // 2, None), None)
    if position is not None and position[0] is not None:
        line, byte_offset = position[0], position[2]
    return SourceLocation(code.co_filename, line, _code_point_column(code.co_filename, line, byte_offset))


def _code_point_column(file: str, line: int, byte_offset: int | None) -> int:
    if byte_offset is None:
        return 1
    text = linecache.getline(file, line)
    if not text:
        return byte_offset + 1
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1


def located(location: SourceLocation, run: Callable[[], T]) -> T:
    """Runs a declaration step; a declaration error gets the user's call site and loses the SDK's frames."""
    try:
        return run()
    except MvmError as err:
        # The lowering's own frames say nothing to the user; the traceback restarts at their call.
        raise err.at(location).with_traceback(None)
