"""Every helper of the allowlist (DESIGN.md §2): what it lowers to, and the code of every wrong call."""
from __future__ import annotations

import pytest

import mvm
from mvm import MvmError

LOWERING = [
    ("local_path defaults", lambda: mvm.local_path("."), {"kind": "local_path", "path": ".", "include": ["**"], "exclude": []}),
    ("local_path keyword path and globs", lambda: mvm.local_path(path="src", include=["a/**"], exclude=["*.pyc"]),
     {"kind": "local_path", "path": "src", "include": ["a/**"], "exclude": ["*.pyc"]}),
    ("local_path keeps the path as written", lambda: mvm.local_path("../shared/./x"), {"kind": "local_path", "path": "../shared/./x", "include": ["**"], "exclude": []}),
    ("python_image default version", lambda: mvm.python_image(), {"kind": "nix_packages", "packages": ["python312"]}),
    ("python_image version and packages", lambda: mvm.python_image(python="3.11", packages=["git"]), {"kind": "nix_packages", "packages": ["python311", "git"]}),
    ("node_image default version", lambda: mvm.node_image(), {"kind": "nix_packages", "packages": ["nodejs_22"]}),
    ("node_image version and packages", lambda: mvm.node_image(node="20", packages=["jq"]), {"kind": "nix_packages", "packages": ["nodejs_20", "jq"]}),
    ("nix_packages positional passthrough", lambda: mvm.nix_packages(["b", "a"]), {"kind": "nix_packages", "packages": ["b", "a"]}),
    ("nix_packages keyword", lambda: mvm.nix_packages(packages=["x"]), {"kind": "nix_packages", "packages": ["x"]}),
    ("resources defaults", lambda: mvm.resources(), {"cpu_cores": 1, "memory_mb": 256, "rootfs_size_mb": 512}),
    ("resources cpu alias", lambda: mvm.resources(cpu=2), {"cpu_cores": 2, "memory_mb": 256, "rootfs_size_mb": 512}),
    ("resources all", lambda: mvm.resources(cpu_cores=4, memory_mb=1024, rootfs_size_mb=2048), {"cpu_cores": 4, "memory_mb": 1024, "rootfs_size_mb": 2048}),
    ("resources None means default", lambda: mvm.resources(cpu=None, memory_mb=None), {"cpu_cores": 1, "memory_mb": 256, "rootfs_size_mb": 512}),
    ("network default mode none", lambda: mvm.network(), {"mode": "none", "ports": []}),
    ("network host defaults to guest, proto to tcp", lambda: mvm.network(mode="bridge", ports=[{"guest": 8080}]),
     {"mode": "bridge", "ports": [{"guest": 8080, "host": 8080, "proto": "tcp"}]}),
    ("network explicit port", lambda: mvm.network(mode="host", ports=[{"guest": 53, "host": 5353, "proto": "udp"}]),
     {"mode": "host", "ports": [{"guest": 53, "host": 5353, "proto": "udp"}]}),
    ("secret var defaults to name", lambda: mvm.secret("api-key"),
     {"kind": "secret_ref", "ref": {"name": "api-key", "mount": {"kind": "env", "var": "api-key"}}}),
    ("secret with var", lambda: mvm.secret("db.pass_1", var="DB_PASS"),
     {"kind": "secret_ref", "ref": {"name": "db.pass_1", "mount": {"kind": "env", "var": "DB_PASS"}}}),
    ("literal", lambda: mvm.literal("x"), {"kind": "literal", "value": "x"}),
    ("literal may be empty", lambda: mvm.literal(value=""), {"kind": "literal", "value": ""}),
    ("hook string is shell", lambda: mvm.hook("make"), {"kind": "shell", "line": "make"}),
    ("hook list is argv", lambda: mvm.hook(["make", "-j2"]), {"kind": "argv", "argv": ["make", "-j2"]}),
    ("entrypoint_function primary default", lambda: mvm.entrypoint_function(module="m", function="f"), {"module": "m", "function": "f", "primary": True}),
    ("entrypoint_function not primary", lambda: mvm.entrypoint_function(module="m", function="f", primary=False), {"module": "m", "function": "f", "primary": False}),
    ("addon without hooks", lambda: mvm.addon(name="logs"), {"name": "logs"}),
    ("addon with hooks", lambda: mvm.addon(name="logs", before_start="a", before_stop=["b"]),
     {"name": "logs", "hooks": {"before_start": [{"kind": "shell", "line": "a"}], "before_stop": [{"kind": "argv", "argv": ["b"]}]}}),
]


@pytest.mark.parametrize(("name", "call", "want"), LOWERING, ids=[c[0] for c in LOWERING])
def test_helper_lowering(name, call, want):
    assert call().value == want


ERRORS = [
    # positional arguments where the table has none
    ("python_image positional", lambda: mvm.python_image("3.12"), "DECL_POSITIONAL_ARG", [0]),
    ("resources positional", lambda: mvm.resources(2), "DECL_POSITIONAL_ARG", [0]),
    ("entrypoint_function positional", lambda: mvm.entrypoint_function("app", "f"), "DECL_POSITIONAL_ARG", [0]),
    ("addon positional", lambda: mvm.addon("logs"), "DECL_POSITIONAL_ARG", [0]),
    ("local_path second positional", lambda: mvm.local_path(".", ["**"]), "DECL_POSITIONAL_ARG", [1]),
    ("secret second positional", lambda: mvm.secret("a", "B"), "DECL_POSITIONAL_ARG", [1]),
    # unknown and duplicate keywords
    ("unknown keyword", lambda: mvm.resources(gpu=1), "DECL_UNKNOWN_KWARG", ["gpu"]),
    ("camelCase keyword", lambda: mvm.resources(memoryMb=1), "DECL_UNKNOWN_KWARG", ["memoryMb"]),
    ("positional and keyword", lambda: mvm.secret("a", name="b"), "DECL_DUPLICATE_KWARG", ["name"]),
    ("cpu and cpu_cores", lambda: mvm.resources(cpu=1, cpu_cores=1), "DECL_DUPLICATE_KWARG", ["cpu"]),
    # missing required
    ("local_path without path", lambda: mvm.local_path(), "DECL_MISSING_KWARG", ["path"]),
    ("nix_packages without packages", lambda: mvm.nix_packages(), "DECL_MISSING_KWARG", ["packages"]),
    ("secret without name", lambda: mvm.secret(var="X"), "DECL_MISSING_KWARG", ["name"]),
    ("literal None is missing", lambda: mvm.literal(None), "DECL_MISSING_KWARG", ["value"]),
    ("hook without cmd", lambda: mvm.hook(), "DECL_MISSING_KWARG", ["cmd"]),
    ("entrypoint without function", lambda: mvm.entrypoint_function(module="m"), "DECL_MISSING_KWARG", ["function"]),
    ("addon without name", lambda: mvm.addon(before_start="x"), "DECL_MISSING_KWARG", ["name"]),
    ("port without guest", lambda: mvm.network(mode="bridge", ports=[{"host": 1}]), "DECL_MISSING_KWARG", ["ports", 0, "guest"]),
    # wrong types and ranges
    ("python version not a string", lambda: mvm.python_image(python=3.12), "DECL_BAD_ARGUMENT", ["python"]),
    ("python version without minor", lambda: mvm.python_image(python="3"), "DECL_BAD_ARGUMENT", ["python"]),
    ("python version with non-ASCII digits", lambda: mvm.python_image(python="٣.١٢"), "DECL_BAD_ARGUMENT", ["python"]),
    ("node version not a major", lambda: mvm.node_image(node="22.1"), "DECL_BAD_ARGUMENT", ["node"]),
    ("packages not a list", lambda: mvm.python_image(packages="git"), "DECL_BAD_ARGUMENT", ["packages"]),
    ("packages with an empty name", lambda: mvm.node_image(packages=["git", ""]), "DECL_BAD_ARGUMENT", ["packages", 1]),
    ("nix_packages empty", lambda: mvm.nix_packages([]), "DECL_BAD_ARGUMENT", ["packages"]),
    ("nix_packages tuple", lambda: mvm.nix_packages(("a",)), "DECL_BAD_ARGUMENT", ["packages"]),
    ("local_path empty", lambda: mvm.local_path(""), "DECL_BAD_ARGUMENT", ["path"]),
    ("include not a list", lambda: mvm.local_path(".", include="**"), "DECL_BAD_ARGUMENT", ["include"]),
    ("float cpu, even whole", lambda: mvm.resources(cpu_cores=1.0), "DECL_BAD_ARGUMENT", ["cpu_cores"]),
    ("bool cpu", lambda: mvm.resources(cpu=True), "DECL_BAD_ARGUMENT", ["cpu"]),
    ("cpu zero", lambda: mvm.resources(cpu_cores=0), "DECL_BAD_ARGUMENT", ["cpu_cores"]),
    ("cpu above 64", lambda: mvm.resources(cpu_cores=65), "DECL_BAD_ARGUMENT", ["cpu_cores"]),
    ("memory below 16", lambda: mvm.resources(memory_mb=15), "DECL_BAD_ARGUMENT", ["memory_mb"]),
    ("memory string", lambda: mvm.resources(memory_mb="256"), "DECL_BAD_ARGUMENT", ["memory_mb"]),
    ("rootfs zero", lambda: mvm.resources(rootfs_size_mb=0), "DECL_BAD_ARGUMENT", ["rootfs_size_mb"]),
    ("network mode unknown", lambda: mvm.network(mode="nat"), "DECL_BAD_ARGUMENT", ["mode"]),
    ("ports with mode none", lambda: mvm.network(ports=[{"guest": 80}]), "DECL_BAD_ARGUMENT", ["ports"]),
    ("ports not a list", lambda: mvm.network(mode="bridge", ports={"guest": 80}), "DECL_BAD_ARGUMENT", ["ports"]),
    ("port not a dict", lambda: mvm.network(mode="bridge", ports=[80]), "DECL_BAD_ARGUMENT", ["ports", 0]),
    ("port unknown key", lambda: mvm.network(mode="bridge", ports=[{"guest": 80, "protocol": "tcp"}]), "DECL_UNKNOWN_KWARG", ["ports", 0, "protocol"]),
    ("port out of range", lambda: mvm.network(mode="bridge", ports=[{"guest": 65536}]), "DECL_BAD_ARGUMENT", ["ports", 0, "guest"]),
    ("host port float", lambda: mvm.network(mode="bridge", ports=[{"guest": 80, "host": 80.0}]), "DECL_BAD_ARGUMENT", ["ports", 0, "host"]),
    ("proto unknown", lambda: mvm.network(mode="bridge", ports=[{"guest": 80, "proto": "sctp"}]), "DECL_BAD_ARGUMENT", ["ports", 0, "proto"]),
    ("secret name uppercase", lambda: mvm.secret("API_KEY"), "DECL_INVALID_NAME", ["name"]),
    ("secret name with a trailing newline", lambda: mvm.secret("api-key\n"), "DECL_INVALID_NAME", ["name"]),
    ("secret var empty", lambda: mvm.secret("a", var=""), "DECL_BAD_ARGUMENT", ["var"]),
    ("literal not a string", lambda: mvm.literal(8080), "DECL_BAD_ARGUMENT", ["value"]),
    ("primary not a bool", lambda: mvm.entrypoint_function(module="m", function="f", primary=1), "DECL_BAD_ARGUMENT", ["primary"]),
    ("module empty", lambda: mvm.entrypoint_function(module="", function="f"), "DECL_BAD_ARGUMENT", ["module"]),
    ("addon name invalid", lambda: mvm.addon(name="Logs"), "DECL_INVALID_NAME", ["name"]),
    ("addon empty hook", lambda: mvm.addon(name="logs", after_start=[]), "DECL_EMPTY_HOOK", ["after_start"]),
]


@pytest.mark.parametrize(("name", "call", "code", "path"), ERRORS, ids=[c[0] for c in ERRORS])
def test_helper_errors(name, call, code, path):
    with pytest.raises(MvmError) as caught:
        call()
    assert caught.value.code == code
    assert list(caught.value.path) == path


def test_helper_errors_name_the_call_site():
    with pytest.raises(MvmError) as caught:
        mvm.resources(cpu_cores=1.5)  # the reported column is this call's first character
    err = caught.value
    assert err.location is not None
    assert err.location.file == __file__
    assert err.location.line == test_helper_errors_name_the_call_site.__code__.co_firstlineno + 2
    assert err.location.column == 9
    assert str(err).startswith(f"{__file__}:{err.location.line}:9: error[DECL_BAD_ARGUMENT]: cpu_cores must be an integer")


def test_helper_results_are_opaque_and_read_only():
    result = mvm.literal("x")
    assert repr(result) == "mvm.literal(...)"
    with pytest.raises(AttributeError):
        result.value = {"kind": "literal", "value": "y"}


@pytest.mark.parametrize(("name", "hint"), [
    ("gpu", "the helpers are: local_path, python_image"),
    ("localPath", "in Python it is spelled local_path"),
    ("entrypointFunction", "in Python it is spelled entrypoint_function"),
    ("web_scrape", "the helpers are:"),
])
def test_unknown_helpers_are_mvm_errors_not_attribute_errors(name, hint):
    with pytest.raises(MvmError) as caught:
        getattr(mvm, name)
    assert caught.value.code == "DECL_UNKNOWN_HELPER"
    assert caught.value.hint.startswith(hint)


def test_private_and_dunder_lookups_stay_attribute_errors():
    assert not hasattr(mvm, "__wrapped__")
    assert not hasattr(mvm, "_no_such_internal")


def test_public_surface():
    assert sorted(mvm.__all__) == sorted([
        "app", "local_path", "python_image", "node_image", "nix_packages", "resources", "network", "secret",
        "literal", "hook", "entrypoint_function", "addon", "emit_json", "MvmError", "web_fetch", "web_search", "WebResponse",
    ])
    for name in mvm.__all__:
        assert getattr(mvm, name) is not None
