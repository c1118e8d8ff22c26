"""mvm: declare a microVM workload from one decorated function and emit its Workload IR.

Example::

    import mvm

    @mvm.app(image=mvm.python_image(python="3.12"))
    def greet(name: str) -> str:
        return f"hello {name}"

    if __name__ == "__main__":
        mvm.emit_json()

``python app.py`` (or ``MVM_SDK_MODE=emit python app.py``) prints the canonical IR; ``mvmctl compile
app.py`` produces the same bytes without running the file. Only the names below exist: any other
attribute of ``mvm`` is an MvmError with code DECL_UNKNOWN_HELPER.
"""
from __future__ import annotations

import sys as _sys
from typing import Any as _Any

from . import _excepthook
from ._app import app
from ._declaration.helpers import unknown_helper_error as _unknown_helper_error
from ._emit import emit as _emit
from ._emit import install_emit_at_exit as _install_emit_at_exit
from ._errors import MvmError
from ._helpers import (
    addon, entrypoint_function, hook, literal, local_path, network, nix_packages, node_image, python_image,
    resources, secret,
)
from ._location import frame_location as _frame_location
from ._location import located as _located
from ._web import WebResponse, web_fetch, web_search

__all__ = [
    "app", "local_path", "python_image", "node_image", "nix_packages", "resources", "network", "secret",
    "literal", "hook", "entrypoint_function", "addon", "emit_json", "MvmError", "web_fetch", "web_search", "WebResponse",
]


def emit_json() -> None:
    """Prints the declared app's IR as canonical JSON and one newline, to ``MVM_SDK_OUT_PATH`` when set,
    else stdout. One IR per process: a second call (or the emit-at-exit of ``MVM_SDK_MODE=emit``) does nothing."""
    location = _frame_location(_sys._getframe(1))
    _located(location, lambda: _emit(location))


def __getattr__(name: str) -> _Any:
    # Dunder and private lookups (importlib, pickle, inspect) must keep getting AttributeError.
    if name.startswith("_"):
        raise AttributeError(f"module 'mvm' has no attribute {name!r}")
    location = _frame_location(_sys._getframe(1))
    raise _unknown_helper_error(name).at(location)


_excepthook.install()
_install_emit_at_exit()
