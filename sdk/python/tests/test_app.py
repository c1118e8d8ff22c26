"""``@mvm.app(...)``: defaults, the function it decorates, the check order and where errors point."""
from __future__ import annotations

import pytest

import mvm
from mvm import MvmError
from mvm._state import STATE


def declared():
    return STATE.app


def test_defaults_fill_everything_but_image():
    @mvm.app(image=mvm.python_image(python="3.12"))
    def summarize_text(text: str) -> str:
        return text

    assert declared() == {
        "name": "summarize-text",
        "source": {"kind": "local_path", "path": ".", "include": ["**"], "exclude": []},
        "image": {"kind": "nix_packages", "packages": ["python312"]},
        "entrypoints": [{
            "kind": "function", "language": "python", "module": "test_app", "function": "summarize_text",
            "format": "json", "working_dir": "/app", "env": {}, "primary": True,
        }],
        "env": {},
        "mounts": [],
        "network": None,
        "resources": {"cpu_cores": 1, "memory_mb": 256, "rootfs_size_mb": 512},
        "dependencies": {"kind": "none"},
    }


def test_the_decorated_function_is_returned_unchanged():
    def greet(name: str) -> str:
        return f"hello {name}"

    decorated = mvm.app(image=mvm.python_image())(greet)
    assert decorated is greet
    assert decorated("ari") == "hello ari"


def test_explicit_values_win_over_defaults():
    @mvm.app(
        name="explicit",
        source=mvm.local_path("src"),
        image=mvm.node_image(),
        resources=mvm.resources(cpu=2),
        network=mvm.network(mode="bridge"),
        entrypoint=mvm.entrypoint_function(module="handlers", function="run", primary=False),
        env={"A": "1", "B": mvm.literal("2"), "C": mvm.secret("c-secret")},
    )
    def whatever():
        return None

    app = declared()
    assert app["name"] == "explicit"
    assert app["source"]["path"] == "src"
    assert app["entrypoints"][0]["module"] == "handlers"
    assert app["entrypoints"][0]["primary"] is False
    assert app["network"] == {"mode": "bridge", "ports": []}
    assert app["env"] == {
        "A": {"kind": "literal", "value": "1"},
        "B": {"kind": "literal", "value": "2"},
        "C": {"kind": "secret_ref", "ref": {"name": "c-secret", "mount": {"kind": "env", "var": "c-secret"}}},
    }
    assert "hooks" not in app and "addons" not in app


# Each declaration has several defects; the first in lowerApp's fixed order is the one reported.
CHECK_ORDER = [
    ("unknown kwarg before everything", dict(bogus=1, name="Bad", env=3), "DECL_UNKNOWN_KWARG", ["bogus"]),
    ("name before a missing image", dict(name="Bad_Name"), "DECL_INVALID_NAME", ["name"]),
    ("name must be a string", dict(name=5, image=mvm.python_image()), "DECL_BAD_ARGUMENT", ["name"]),
    ("source before the missing image", dict(source="."), "DECL_BAD_ARGUMENT", ["source"]),
    ("missing image before resources", dict(resources="x"), "DECL_MISSING_KWARG", ["image"]),
    ("image must come from an image helper", dict(image=mvm.resources()), "DECL_BAD_ARGUMENT", ["image"]),
    ("resources before network", dict(image=mvm.python_image(), resources=1, network=1), "DECL_BAD_ARGUMENT", ["resources"]),
    ("network before entrypoint", dict(image=mvm.python_image(), network=1, entrypoint=1), "DECL_BAD_ARGUMENT", ["network"]),
    ("entrypoint before env", dict(image=mvm.python_image(), entrypoint=mvm.hook("x"), env=1), "DECL_BAD_ARGUMENT", ["entrypoint"]),
    ("env before addons", dict(image=mvm.python_image(), env={"1X": "a"}, addons=1), "DECL_INVALID_NAME", ["env", "1X"]),
    ("env not a dict", dict(image=mvm.python_image(), env=[("A", "b")]), "DECL_BAD_ARGUMENT", ["env"]),
    ("env key not a string", dict(image=mvm.python_image(), env={1: "a"}), "DECL_INVALID_NAME", ["env", 1]),
    ("env value a number", dict(image=mvm.python_image(), env={"PORT": 80}), "DECL_BAD_ARGUMENT", ["env", "PORT"]),
    ("addons before hooks", dict(image=mvm.python_image(), addons=[mvm.literal("x")], before_start=""), "DECL_BAD_ARGUMENT", ["addons", 0]),
    ("an addon attached twice", dict(image=mvm.python_image(), addons=[mvm.addon(name="a"), mvm.addon(name="a")]), "DECL_BAD_ARGUMENT", ["addons", 1]),
    ("hooks in phase order", dict(image=mvm.python_image(), before_stop="", before_build=[]), "DECL_EMPTY_HOOK", ["before_build"]),
]


@pytest.mark.parametrize(("name", "kwargs", "code", "path"), CHECK_ORDER, ids=[c[0] for c in CHECK_ORDER])
def test_first_error_follows_the_shared_check_order(name, kwargs, code, path):
    def work():
        return None

    with pytest.raises(MvmError) as caught:
        mvm.app(**kwargs)(work)
    assert caught.value.code == code
    assert list(caught.value.path) == path
    assert declared() is None


def test_default_name_that_fails_the_pattern_is_an_error():
    with pytest.raises(MvmError) as caught:
        @mvm.app(image=mvm.python_image())
        def Summarize():
            return None
    assert caught.value.code == "DECL_INVALID_NAME"


@pytest.mark.parametrize("args", [("hello-app",), (lambda: None,)])
def test_positional_arguments_are_refused(args):
    with pytest.raises(MvmError) as caught:
        mvm.app(*args)
    assert caught.value.code == "DECL_POSITIONAL_ARG"


def test_bare_decorator_hint_names_the_parentheses():
    with pytest.raises(MvmError) as caught:
        @mvm.app
        def work():
            return None
    assert "parentheses" in caught.value.hint


def test_a_second_app_is_refused_at_its_declaration():
    @mvm.app(image=mvm.python_image())
    def first():
        return None

    with pytest.raises(MvmError) as caught:
        mvm.app(name="second", image=mvm.python_image())
    assert caught.value.code == "DECL_SECOND_APP"
    assert declared()["name"] == "first"


def test_one_decorator_applied_twice_is_a_second_app():
    decorate = mvm.app(image=mvm.python_image())

    def one():
        return None

    def two():
        return None

    decorate(one)
    with pytest.raises(MvmError) as caught:
        decorate(two)
    assert caught.value.code == "DECL_SECOND_APP"


def test_app_errors_name_the_decorator_line_and_column():
    first_line = test_app_errors_name_the_decorator_line_and_column.__code__.co_firstlineno
    with pytest.raises(MvmError) as caught:
        @mvm.app(
            image=mvm.python_image(),
            nope=1,
        )
        def work():
            return None
    err = caught.value
    assert (err.location.file, err.location.line, err.location.column) == (__file__, first_line + 3, 10)
    assert err.format().startswith(f"{__file__}:{first_line + 3}:10: error[DECL_UNKNOWN_KWARG]: app got an unknown argument \"nope\"")
    assert err.format().endswith("\nhint: expected one of: name, source, image, resources, network, entrypoint, env, addons, "
                                 "before_build, before_start, after_start, before_stop")
    assert str(err) == err.format()


def test_columns_count_code_points_not_bytes(run_script):
    run = run_script('''\
        import mvm
        x = "é😀"; y = mvm.resources(cpu="1")
    ''')
    assert run.returncode == 1
    assert ":2:15: error[DECL_BAD_ARGUMENT]" in run.stderr


def test_mvm_error_refuses_codes_outside_the_shared_table():
    with pytest.raises(ValueError):
        MvmError("DECL_NOT_A_CODE", "x")
