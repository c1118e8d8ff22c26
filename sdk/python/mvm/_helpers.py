"""The helper allowlist as Python functions. Each takes ``*args, **kwargs`` so a wrong call is an
MvmError with the shared code (DECL_POSITIONAL_ARG, DECL_UNKNOWN_KWARG, ...), never a TypeError."""
from __future__ import annotations

import sys
from typing import Any

from ._declaration.helpers import call_helper
from ._declaration.values import HelperValue
from ._location import frame_location, located


def _call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> HelperValue:
    location = frame_location(sys._getframe(2))
    return located(location, lambda: call_helper(name, args, kwargs))


def local_path(*args: Any, **kwargs: Any) -> HelperValue:
    """``local_path(path, include=None, exclude=None)``: the app's code, a directory relative to the app
    file, with gitignore-style globs (default include ``["**"]``, exclude ``[]``)."""
    return _call("local_path", args, kwargs)


def python_image(*args: Any, **kwargs: Any) -> HelperValue:
    """``python_image(python="3.12", packages=[])``: ``python="3.12"`` → the ``python312`` package, plus extras."""
    return _call("python_image", args, kwargs)


def node_image(*args: Any, **kwargs: Any) -> HelperValue:
    """``node_image(node="22", packages=[])``: ``node="22"`` → the ``nodejs_22`` package, plus extras."""
    return _call("node_image", args, kwargs)


def nix_packages(*args: Any, **kwargs: Any) -> HelperValue:
    """``nix_packages([...])``: an image from package names, passed through as written."""
    return _call("nix_packages", args, kwargs)


def resources(*args: Any, **kwargs: Any) -> HelperValue:
    """``resources(cpu_cores=1 | cpu=1, memory_mb=256, rootfs_size_mb=512)``: integers; those are the defaults."""
    return _call("resources", args, kwargs)


def network(*args: Any, **kwargs: Any) -> HelperValue:
    """``network(mode="none", ports=[{"guest": 8080, "host": 18080, "proto": "tcp"}])``: ``none`` | ``bridge``
    | ``host``; a port's ``host`` defaults to its ``guest``, ``proto`` to ``"tcp"``."""
    return _call("network", args, kwargs)


def secret(*args: Any, **kwargs: Any) -> HelperValue:
    """``secret(name, var=None, hosts=None)``: a host-held secret; the guest sees only an opaque token in its env
    var. ``hosts`` lists origins (``"https://api.example.com"``) the app asks the operator to allow; only the
    operator's allowlist (``mvmctl secret allow``) releases the value."""
    return _call("secret", args, kwargs)


def literal(*args: Any, **kwargs: Any) -> HelperValue:
    """``literal(value)``: a literal env value (a bare string in ``env`` means the same)."""
    return _call("literal", args, kwargs)


def hook(*args: Any, **kwargs: Any) -> HelperValue:
    """``hook(cmd)``: one hook command; a string is a shell line, a list of strings an argv."""
    return _call("hook", args, kwargs)


def entrypoint_function(*args: Any, **kwargs: Any) -> HelperValue:
    """``entrypoint_function(module=, function=, primary=True)``: the function the microVM serves."""
    return _call("entrypoint_function", args, kwargs)


def addon(*args: Any, **kwargs: Any) -> HelperValue:
    """``addon(name=, before_build=, before_start=, after_start=, before_stop=)``: hooks other apps attach
    with ``addons=[...]``; they run before the app's own, in attachment order."""
    return _call("addon", args, kwargs)
