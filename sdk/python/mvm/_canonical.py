"""Canonical JSON (DESIGN.md §2), byte for byte what packages/ir/src/canonical-json.ts produces.

Keys sorted by UTF-16 code unit at every level, no whitespace, integers only, strings escaped exactly as
ECMAScript's JSON.stringify escapes them, encoded as UTF-8.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

from ._errors import MvmError

MAX_SAFE_INTEGER = 2**53 - 1

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A surrogate pair is one astral character to JSON.stringify (it sees UTF-16), so it stays raw;
# a lone surrogate, a control character, a quote or a backslash is escaped.
_NEEDS_ESCAPE = re.compile('[\ud800-\udbff][\udc00-\udfff]|["\\\\\x00-\x1f\ud800-\udfff]')


def _escape(match: re.Match[str]) -> str:
    text = match.group()
    if len(text) == 2:
        high, low = ord(text[0]), ord(text[1])
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return _SHORT_ESCAPES.get(text) or f"\\u{ord(text):04x}"


def json_string(text: str) -> str:
    """A JSON string literal, as ``JSON.stringify(text)`` writes it."""
    return f'"{_NEEDS_ESCAPE.sub(_escape, text)}"'


def utf16_sort_key(key: str) -> bytes:
    """Big-endian UTF-16 bytes compare in code-unit order, which is JavaScript's string order."""
    return key.encode("utf-16-be", "surrogatepass")


def canonical_json(value: Any) -> str:
    return _encode(value, [], set())


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def canonical_document(value: Any) -> bytes:
    """The printed and written form: canonical bytes followed by one newline."""
    return canonical_bytes(value) + b"\n"


def ir_hash(data: bytes) -> str:
    """Lowercase hex sha256 of the canonical bytes (without the trailing newline of the printed form)."""
    return hashlib.sha256(data).hexdigest()


def _encode(value: Any, path: list[str | int], ancestors: set[int]) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            _fail(f"{value} is not a safe integer", path)
        return str(int(value))
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, float):
        _fail(f"the float {value!r} is not an integer", path)
    if not isinstance(value, (list, dict)):
        _fail(f"a {type(value).__name__} has no JSON form", path)
    if id(value) in ancestors:
        _fail("the value contains a cycle", path)
    ancestors.add(id(value))
    if isinstance(value, list):
        out = "[" + ",".join(_encode(item, [*path, i], ancestors) for i, item in enumerate(value)) + "]"
    else:
        out = "{" + ",".join(f"{json_string(k)}:{_encode(value[k], [*path, k], ancestors)}" for k in _sorted_keys(value, path)) + "}"
    ancestors.discard(id(value))
    return out


def _sorted_keys(obj: dict[Any, Any], path: list[str | int]) -> list[str]:
    for key in obj:
        if not isinstance(key, str):
            _fail(f"the key {key!r} is not a string", path)
    keys = sorted(obj, key=utf16_sort_key)
    for previous, key in zip(keys, keys[1:]):
        if utf16_sort_key(previous) == utf16_sort_key(key):
            _fail(f"the keys {previous!r} and {key!r} are the same string in UTF-16", path)
    return keys


def _fail(message: str, path: list[str | int]) -> None:
    raise MvmError("IR_NOT_CANONICAL", f"{message} at {format_json_path(path)}")


_IDENTIFIER = re.compile("[A-Za-z_][A-Za-z0-9_]*")


def format_json_path(path: list[str | int] | tuple[str | int, ...]) -> str:
    """``$.apps[0].env.API_KEY`` — the JSON path form every validation message uses."""
    out = "$"
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        elif _IDENTIFIER.fullmatch(key):
            out += f".{key}"
        else:
            out += f"[{json_string(key)}]"
    return out
