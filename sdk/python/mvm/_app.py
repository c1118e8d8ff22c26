"""``@mvm.app(...)``: records the process's one app declaration."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

from ._declaration.app import AppContext, lower_app
from ._errors import MvmError
from ._guest_mode import in_guest
from ._location import frame_location, located
from ._state import STATE

F = TypeVar("F", bound=Callable[..., Any])


def app(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Declares the microVM app; the decorated function comes back unchanged. Inside an mvm image
    (``MVM_SDK_MODE=guest``) nothing is recorded or checked."""
    if in_guest():
        return lambda fn: fn
    location = frame_location(sys._getframe(1))

    def check_call() -> None:
        _refuse_second_app()
        if args:
            bare = len(args) == 1 and callable(args[0])
            raise MvmError("DECL_POSITIONAL_ARG", "app takes keyword arguments only",
                           "write @mvm.app(name=..., image=...) with parentheses" if bare else "pass every argument by keyword",
                           path=[0])

    located(location, check_call)

    def decorate(fn: F) -> F:
        def record() -> None:
            _refuse_second_app()
            name = getattr(fn, "__name__", None)
            if not callable(fn) or not isinstance(name, str):
                raise MvmError("DECL_BAD_ARGUMENT", "@mvm.app(...) decorates a function", path=[])
            STATE.app = lower_app(kwargs, AppContext(file_stem=Path(location.file).stem, function_name=name))

        located(location, record)
        return fn

    return decorate


def _refuse_second_app() -> None:
    if STATE.app is not None:
        raise MvmError("DECL_SECOND_APP", f'a second app was declared; "{STATE.app["name"]}" already is',
                       "declare one app per file")
