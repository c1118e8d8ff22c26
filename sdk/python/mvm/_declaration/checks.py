"""Argument checks shared by every helper; each failure names the argument's path (mirrors checks.ts)."""
from __future__ import annotations

import re
from typing import Any

from .._canonical import json_string
from .values import DeclPath, decl_error, describe_value


def expect_string(value: Any, path: DeclPath, *, non_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be a string, got {describe_value(value)}", path)
    if non_empty and value == "":
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must not be empty", path)
    return str(value)


def expect_integer(value: Any, path: DeclPath, minimum: int, maximum: int) -> int:
    # bool is an int subclass in Python and a float is never an integer here, whatever its value.
    if not isinstance(value, int) or isinstance(value, bool):
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be an integer, got {describe_value(value)}", path)
    if value < minimum or value > maximum:
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be between {minimum} and {maximum}, got {value}", path)
    return int(value)


def expect_boolean(value: Any, path: DeclPath) -> bool:
    if not isinstance(value, bool):
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be True or False, got {describe_value(value)}", path)
    return value


def expect_string_list(value: Any, path: DeclPath, *, non_empty: bool = False) -> list[str]:
    if not isinstance(value, list):
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be a list of strings, got {describe_value(value)}", path)
    if non_empty and len(value) == 0:
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must not be an empty list", path)
    return [expect_string(item, [*path, i]) for i, item in enumerate(value)]


def expect_dict(value: Any, path: DeclPath) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be a dict, got {describe_value(value)}", path)
    return value


def expect_pattern(value: Any, pattern: re.Pattern[str], path: DeclPath, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = json_string(value) if isinstance(value, str) else repr(value)
        raise decl_error("DECL_INVALID_NAME", f"{what} {shown} does not match ^{pattern.pattern}$", path)
    return value


def expect_known_keys(obj: dict[Any, Any], allowed: tuple[str, ...], path: DeclPath, owner: str) -> None:
    """Rejects keys outside ``allowed``, in the order they were written."""
    for key in obj:
        if key not in allowed:
            raise decl_error("DECL_UNKNOWN_KWARG", f"{owner} got an unknown argument {json_string(key) if isinstance(key, str) else repr(key)}", [*path, key],
                             f"expected one of: {', '.join(allowed)}")


def given(value: Any) -> bool:
    """``None`` means "not given" for optional arguments (TypeScript: undefined and null)."""
    return value is not None


def label(path: DeclPath) -> str:
    if not path:
        return "the value"
    return "".join(f"[{p}]" if isinstance(p, int) else (p if i == 0 else f".{p}") for i, p in enumerate(path))
