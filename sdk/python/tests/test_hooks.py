"""Hook lowering (DESIGN.md §2): the same rule table for every phase of apps and addons."""
from __future__ import annotations

import pytest

import mvm
from mvm import MvmError
from mvm._declaration.hooks import lower_hook_phase
from mvm._ir import HOOK_PHASES


def shell(line):
    return {"kind": "shell", "line": line}


def argv(*args):
    return {"kind": "argv", "argv": list(args)}


FORMS = [
    ("a string becomes one shell command", "make", [shell("make")]),
    ("a list of strings becomes one argv", ["make", "-j2"], [argv("make", "-j2")]),
    ("a one-string list is an argv, not a shell line", ["sync"], [argv("sync")]),
    ("hook(string) is its shell command", mvm.hook("echo hi"), [shell("echo hi")]),
    ("hook(list) is its argv", mvm.hook(["echo", "hi"]), [argv("echo", "hi")]),
    ("a list of lists is one argv each", [["a", "1"], ["b"]], [argv("a", "1"), argv("b")]),
    ("a list of hooks", [mvm.hook("a"), mvm.hook(["b"])], [shell("a"), argv("b")]),
    ("a mixed list lowers each element alone", ["export A=1", ["python3", "-m", "x"], mvm.hook("y"), mvm.hook(["z"])],
     [shell("export A=1"), argv("python3", "-m", "x"), shell("y"), argv("z")]),
    ("strings in a mixed list are shell lines", [mvm.hook("a"), "b c"], [shell("a"), shell("b c")]),
    ("whitespace is kept as written", "  a  ", [shell("  a  ")]),
]


@pytest.mark.parametrize(("name", "given", "want"), FORMS, ids=[c[0] for c in FORMS])
def test_hook_forms(name, given, want):
    assert lower_hook_phase(given, ["before_start"]) == want


DEFECTS = [
    ("an empty string", "", "DECL_EMPTY_HOOK", ["before_start"]),
    ("an empty list", [], "DECL_EMPTY_HOOK", ["before_start"]),
    ("an argv whose program is empty", ["", "x"], "DECL_EMPTY_HOOK", ["before_start", 0]),
    ("an empty string in a mixed list", ["", mvm.hook("x")], "DECL_EMPTY_HOOK", ["before_start", 0]),
    ("an empty list in a list", [mvm.hook("x"), []], "DECL_EMPTY_HOOK", ["before_start", 1]),
    ("a number", 42, "DECL_BAD_ARGUMENT", ["before_start"]),
    ("a tuple", ("echo", "hi"), "DECL_BAD_ARGUMENT", ["before_start"]),
    ("a dict", {"cmd": "x"}, "DECL_BAD_ARGUMENT", ["before_start"]),
    ("another helper's result", mvm.literal("x"), "DECL_BAD_ARGUMENT", ["before_start"]),
    ("a number in a list", ["echo", 42], "DECL_BAD_ARGUMENT", ["before_start", 1]),
    ("a list with a number in a list", [["echo", 1]], "DECL_BAD_ARGUMENT", ["before_start", 0]),
]


@pytest.mark.parametrize(("name", "given", "code", "path"), DEFECTS, ids=[c[0] for c in DEFECTS])
def test_hook_defects(name, given, code, path):
    with pytest.raises(MvmError) as caught:
        lower_hook_phase(given, ["before_start"])
    assert caught.value.code == code
    assert list(caught.value.path) == path


@pytest.mark.parametrize("helper_input", [[], "", [""]])
def test_hook_helper_refuses_empty_commands(helper_input):
    with pytest.raises(MvmError) as caught:
        mvm.hook(helper_input)
    assert caught.value.code == "DECL_EMPTY_HOOK"


def test_every_phase_is_lowered_by_app_and_addon_alike():
    kwargs = {phase: f"echo {phase}" for phase in HOOK_PHASES}
    addon = mvm.addon(name="all-phases", **kwargs)
    assert addon.value["hooks"] == {phase: [shell(f"echo {phase}")] for phase in HOOK_PHASES}

    @mvm.app(image=mvm.python_image(), **kwargs)
    def all_phases():
        return None

    from mvm._state import STATE
    assert STATE.app["hooks"] == addon.value["hooks"]


def test_addon_hooks_stay_with_their_addon_in_attachment_order():
    from mvm._state import STATE

    @mvm.app(
        image=mvm.python_image(),
        addons=[mvm.addon(name="zeta", before_start="z"), mvm.addon(name="alpha", before_start=["a"])],
        before_start="own",
    )
    def ordered():
        return None

    assert [a["name"] for a in STATE.app["addons"]] == ["zeta", "alpha"]
    assert STATE.app["hooks"] == {"before_start": [shell("own")]}
    assert STATE.app["addons"][0]["hooks"] == {"before_start": [shell("z")]}
