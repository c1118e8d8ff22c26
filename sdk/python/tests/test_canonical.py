"""Canonical JSON must equal ECMAScript JSON.stringify with sorted keys, byte for byte (DESIGN.md §2)."""
from __future__ import annotations

import hashlib

import pytest

from mvm import MvmError
from mvm._canonical import canonical_bytes, canonical_document, canonical_json, format_json_path, ir_hash, json_string

STRING_CASES = [
    ("plain ASCII", "hello", '"hello"'),
    ("empty", "", '""'),
    ("double quote", 'say "hi"', '"say \\"hi\\""'),
    ("backslash", "C:\\dir", '"C:\\\\dir"'),
    ("short escapes", "\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),
    ("NUL", "\x00", '"\\u0000"'),
    ("other controls in lowercase hex", "\x01\x0b\x1b\x1f", '"\\u0001\\u000b\\u001b\\u001f"'),
    ("space and DEL stay raw", " \x7f", '" \x7f"'),
    ("C1 control NEL stays raw", "\x85", '"\x85"'),
    ("slash is not escaped", "</script>", '"</script>"'),
    ("U+2028 and U+2029 stay raw", "\u2028\u2029", '"\u2028\u2029"'),
    ("Latin-1 and CJK raw", "héllo 你好", '"héllo 你好"'),
    ("astral emoji raw", "😀", '"😀"'),
    ("lone high surrogate", "\ud800", '"\\ud800"'),
    ("lone low surrogate", "\udfff", '"\\udfff"'),
    ("lone surrogate between letters", "a\ud83db", '"a\\ud83db"'),
    ("reversed pair is two lone surrogates", "\ude00\ud83d", '"\\ude00\\ud83d"'),
    ("a surrogate pair is one astral character, as in UTF-16", "\ud83d\ude00", '"😀"'),
    ("high surrogate then astral", "\ud800😀", '"\\ud800😀"'),
]


@pytest.mark.parametrize(("name", "given", "want"), STRING_CASES, ids=[c[0] for c in STRING_CASES])
def test_strings_are_escaped_like_json_stringify(name, given, want):
    assert json_string(given) == want


VALUE_CASES = [
    ("null", None, "null"),
    ("booleans", [True, False], "[true,false]"),
    ("integers", [0, -1, 42, 2**53 - 1], "[0,-1,42,9007199254740991]"),
    ("no whitespace", {"a": [1, {"b": None}]}, '{"a":[1,{"b":null}]}'),
    ("keys sorted at every level", {"b": {"z": 1, "a": 2}, "a": 0}, '{"a":0,"b":{"a":2,"z":1}}'),
    ("uppercase before underscore before lowercase", {"a": 1, "_": 2, "A": 3}, '{"A":3,"_":2,"a":1}'),
    ("shorter prefix first", {"ab": 1, "a": 2}, '{"a":2,"ab":1}'),
    # UTF-16 order: an astral character (surrogate D83D...) sorts before U+E000..U+FFFF, unlike code-point order.
    ("astral sorts before high BMP", {"\uffff": 1, "😀": 2, "\ue000": 3, "z": 4}, '{"z":4,"😀":2,"\ue000":3,"\uffff":1}'),
    ("escaped keys", {'k"\n': 1}, '{"k\\"\\n":1}'),
    ("empty containers", {"a": [], "b": {}}, '{"a":[],"b":{}}'),
]


@pytest.mark.parametrize(("name", "given", "want"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_encode_canonically(name, given, want):
    assert canonical_json(given) == want


UNENCODABLE = [
    ("float", {"cpu": 1.0}, "$.cpu"),
    ("unsafe integer", [2**53], "$[0]"),
    ("tuple", {"a": (1, 2)}, "$.a"),
    ("non-string key", {1: "x"}, "$"),
    ("set", {"a": {1}}, "$.a"),
    ("keys equal in UTF-16", {"😀": 1, "\ud83d\ude00": 2}, "$"),
]


@pytest.mark.parametrize(("name", "given", "where"), UNENCODABLE, ids=[c[0] for c in UNENCODABLE])
def test_values_without_a_canonical_form_are_refused(name, given, where):
    with pytest.raises(MvmError) as caught:
        canonical_json(given)
    assert caught.value.code == "IR_NOT_CANONICAL"
    assert caught.value.message.endswith(f"at {where}")


def test_bool_is_not_an_integer():
    assert canonical_json({"a": True, "b": 1}) == '{"a":true,"b":1}'


def test_cycles_are_refused_but_shared_values_are_not():
    shared = {"x": 1}
    assert canonical_json([shared, shared]) == '[{"x":1},{"x":1}]'
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(MvmError) as caught:
        canonical_json(cyclic)
    assert caught.value.code == "IR_NOT_CANONICAL"


def test_bytes_are_utf8_and_the_document_ends_with_one_newline():
    value = {"name": "é😀", "lone": "\ud800"}
    assert canonical_bytes(value) == '{"lone":"\\ud800","name":"é😀"}'.encode("utf-8")
    assert canonical_document(value) == canonical_bytes(value) + b"\n"


def test_ir_hash_is_lowercase_hex_sha256_of_the_bytes():
    data = canonical_bytes({"a": 1})
    assert ir_hash(data) == hashlib.sha256(b'{"a":1}').hexdigest()
    assert ir_hash(data) == ir_hash(data).lower()


@pytest.mark.parametrize(("path", "want"), [
    ([], "$"),
    (["apps", 0, "env", "API_KEY"], "$.apps[0].env.API_KEY"),
    (["env", "MY-VAR"], '$.env["MY-VAR"]'),
])
def test_json_paths(path, want):
    assert format_json_path(path) == want
