"""The values a declaration is lowered from, and how they are named in messages (mirrors values.ts)."""
from __future__ import annotations

from typing import Any

from .._canonical import json_string
from .._errors import MvmError

DeclPath = list[str | int]


class HelperValue:
    """What a helper call returns: opaque to the user; pass it to ``@mvm.app(...)``."""

    __slots__ = ("helper", "kind", "value")

    def __init__(self, helper: str, kind: str, value: Any) -> None:
        object.__setattr__(self, "helper", helper)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("mvm helper results are read-only")

    def __repr__(self) -> str:
        return f"mvm.{self.helper}(...)"


def decl_error(code: str, message: str, path: DeclPath, hint: str | None = None) -> MvmError:
    return MvmError(code, message, hint, path=path)


def describe_value(value: Any) -> str:
    """A short rendering of a value for "got ..." in messages."""
    if value is None:
        return "None"
    if isinstance(value, HelperValue):
        return repr(value)
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, float):
        return f"the float {value!r}"
    if isinstance(value, str):
        return f"a string ({json_string(value[:37])}...)" if len(value) > 40 else f"the string {json_string(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} (use a list)"
    if isinstance(value, dict):
        return "a dict"
    if callable(value):
        return "a function"
    return f"a {type(value).__name__}"
