"""The closed helper allowlist (SEED.md "Helper allowlist", DESIGN.md §2) as one table (mirrors helpers.ts).

Each entry names the one parameter that may be given positionally (if any), the keywords it takes, and
how its arguments lower to an IR fragment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .._canonical import json_string
from .._ir import APP_NAME_PATTERN, HOOK_PHASES, ORIGIN_PATTERN, SECRET_NAME_PATTERN, Port
from .checks import (
    expect_boolean, expect_dict, expect_integer, expect_known_keys, expect_pattern, expect_string,
    expect_string_list, given,
)
from .hooks import lower_hook_command, lower_hooks
from .values import DeclPath, HelperValue, decl_error

Kwargs = dict[str, Any]


@dataclass(frozen=True)
class HelperSpec:
    name: str
    kind: str
    params: tuple[str, ...]
    lower: Callable[[Kwargs], Any]
    required: tuple[str, ...] = ()
    # The parameter that may be passed positionally (first position only); None → keywords only.
    positional: str | None = None
    # TypeScript's camelCase spelling, when it differs; named in the hint when Python code uses it.
    camel: str | None = None


def _local_path(kw: Kwargs) -> Any:
    return {
        "kind": "local_path",
        "path": expect_string(kw.get("path"), ["path"]),
        "include": expect_string_list(kw["include"], ["include"]) if given(kw.get("include")) else ["**"],
        "exclude": expect_string_list(kw["exclude"], ["exclude"]) if given(kw.get("exclude")) else [],
    }


def _extra_packages(kw: Kwargs) -> list[str]:
    return expect_string_list(kw["packages"], ["packages"]) if given(kw.get("packages")) else []


def _image(packages: list[str]) -> Any:
    return {"kind": "nix_packages", "packages": packages}


def _python_image(kw: Kwargs) -> Any:
    version = expect_string(kw["python"], ["python"]) if given(kw.get("python")) else "3.12"
    # [0-9], not \d: Python's \d also matches non-ASCII digits, JavaScript's does not.
    match = re.fullmatch("([0-9]+)\\.([0-9]+)", version)
    if not match:
        raise decl_error("DECL_BAD_ARGUMENT", f'python must be a version like "3.12", got {json_string(version)}', ["python"])
    return _image([f"python{match[1]}{match[2]}", *_extra_packages(kw)])


def _node_image(kw: Kwargs) -> Any:
    version = expect_string(kw["node"], ["node"]) if given(kw.get("node")) else "22"
    if not re.fullmatch("[0-9]+", version):
        raise decl_error("DECL_BAD_ARGUMENT", f'node must be a major version like "22", got {json_string(version)}', ["node"])
    return _image([f"nodejs_{version}", *_extra_packages(kw)])


def _nix_packages(kw: Kwargs) -> Any:
    return _image(expect_string_list(kw.get("packages"), ["packages"], non_empty=True))


def _resources(kw: Kwargs) -> Any:
    if given(kw.get("cpu")) and given(kw.get("cpu_cores")):
        raise decl_error("DECL_DUPLICATE_KWARG", "resources got both cpu and cpu_cores", ["cpu"],
                         "give one of them; cpu is an alias of cpu_cores")
    cpu_key = "cpu" if given(kw.get("cpu")) else "cpu_cores"
    return {
        "cpu_cores": expect_integer(kw[cpu_key], [cpu_key], 1, 64) if given(kw.get(cpu_key)) else 1,
        "memory_mb": expect_integer(kw["memory_mb"], ["memory_mb"], 16, 1 << 20) if given(kw.get("memory_mb")) else 256,
        "rootfs_size_mb": expect_integer(kw["rootfs_size_mb"], ["rootfs_size_mb"], 1, 1 << 22) if given(kw.get("rootfs_size_mb")) else 512,
    }


def _network(kw: Kwargs) -> Any:
    mode = expect_string(kw["mode"], ["mode"]) if given(kw.get("mode")) else "none"
    if mode not in ("none", "bridge", "host"):
        raise decl_error("DECL_BAD_ARGUMENT", f'network mode must be "none", "bridge" or "host", got {json_string(mode)}', ["mode"])
    ports = _ports(kw["ports"]) if given(kw.get("ports")) else []
    if mode == "none" and ports:
        raise decl_error("DECL_BAD_ARGUMENT", 'network mode "none" cannot forward ports', ["ports"], 'use mode="bridge" to publish ports')
    return {"mode": mode, "ports": ports}


def _ports(value: Any) -> list[Port]:
    if not isinstance(value, list):
        raise decl_error("DECL_BAD_ARGUMENT", "ports must be a list of {guest, host?, proto?}", ["ports"])
    ports: list[Port] = []
    for i, item in enumerate(value):
        path: DeclPath = ["ports", i]
        port = expect_dict(item, path)
        expect_known_keys(port, ("guest", "host", "proto"), path, "a port")
        if not given(port.get("guest")):
            raise decl_error("DECL_MISSING_KWARG", "a port needs guest", [*path, "guest"])
        guest = expect_integer(port["guest"], [*path, "guest"], 1, 65535)
        host = expect_integer(port["host"], [*path, "host"], 1, 65535) if given(port.get("host")) else guest
        proto = expect_string(port["proto"], [*path, "proto"]) if given(port.get("proto")) else "tcp"
        if proto not in ("tcp", "udp"):
            raise decl_error("DECL_BAD_ARGUMENT", f'proto must be "tcp" or "udp", got {json_string(proto)}', [*path, "proto"])
        ports.append({"guest": guest, "host": host, "proto": proto})
    return ports


def _secret(kw: Kwargs) -> Any:
    name = expect_pattern(expect_string(kw.get("name"), ["name"]), SECRET_NAME_PATTERN, ["name"], "secret name")
    # `var ?? name`, exactly as the original mvm records it; not validated as a variable name.
    env_var = expect_string(kw["var"], ["var"]) if given(kw.get("var")) else name
    hosts = _origins(kw["hosts"]) if given(kw.get("hosts")) else []
    ref: dict[str, Any] = {"name": name, "mount": {"kind": "env", "var": env_var}}
    if hosts:
        ref["hosts"] = hosts
    return {"kind": "secret_ref", "ref": ref}


def _origins(value: Any) -> list[str]:
    """Requested origins, as written, each checked; duplicates are an error (they would mean a typo)."""
    origins = expect_string_list(value, ["hosts"])
    for i, origin in enumerate(origins):
        if not ORIGIN_PATTERN.fullmatch(origin):
            raise decl_error("DECL_BAD_ARGUMENT", f"{json_string(origin)} is not an origin", ["hosts", i],
                             'write "https://host" or "https://host:port": lowercase, no path, no trailing slash')
        port = re.search(r":(\d+)$", origin)
        if port and int(port.group(1)) > 65535:
            raise decl_error("DECL_BAD_ARGUMENT", f"the port of {json_string(origin)} is above 65535", ["hosts", i])
        if origins.index(origin) != i:
            raise decl_error("DECL_BAD_ARGUMENT", f"{json_string(origin)} is listed twice", ["hosts", i])
    return origins


def _literal(kw: Kwargs) -> Any:
    return {"kind": "literal", "value": expect_string(kw.get("value"), ["value"], non_empty=False)}


def _hook(kw: Kwargs) -> Any:
    return lower_hook_command(kw.get("cmd"), ["cmd"])


def _entrypoint_function(kw: Kwargs) -> Any:
    return {
        "module": expect_string(kw.get("module"), ["module"]),
        "function": expect_string(kw.get("function"), ["function"]),
        "primary": expect_boolean(kw["primary"], ["primary"]) if given(kw.get("primary")) else True,
    }


def _addon(kw: Kwargs) -> Any:
    name = expect_pattern(expect_string(kw.get("name"), ["name"]), APP_NAME_PATTERN, ["name"], "addon name")
    hooks = lower_hooks(kw, [])
    return {"name": name, "hooks": hooks} if hooks else {"name": name}


SPECS: tuple[HelperSpec, ...] = (
    HelperSpec("local_path", "source", ("path", "include", "exclude"), _local_path, ("path",), "path", "localPath"),
    HelperSpec("python_image", "image", ("python", "packages"), _python_image, camel="pythonImage"),
    HelperSpec("node_image", "image", ("node", "packages"), _node_image, camel="nodeImage"),
    HelperSpec("nix_packages", "image", ("packages",), _nix_packages, ("packages",), "packages", "nixPackages"),
    HelperSpec("resources", "resources", ("cpu_cores", "cpu", "memory_mb", "rootfs_size_mb"), _resources),
    HelperSpec("network", "network", ("mode", "ports"), _network),
    HelperSpec("secret", "env", ("name", "var", "hosts"), _secret, ("name",), "name"),
    HelperSpec("literal", "env", ("value",), _literal, ("value",), "value"),
    HelperSpec("hook", "hook", ("cmd",), _hook, ("cmd",), "cmd"),
    HelperSpec("entrypoint_function", "entrypoint", ("module", "function", "primary"), _entrypoint_function,
               ("module", "function"), camel="entrypointFunction"),
    HelperSpec("addon", "addon", ("name", *HOOK_PHASES), _addon, ("name",)),
)

_BY_NAME = {spec.name: spec for spec in SPECS}
_BY_CAMEL = {spec.camel: spec for spec in SPECS if spec.camel}

HELPER_NAMES = tuple(spec.name for spec in SPECS)


def unknown_helper_error(name: str) -> Exception:
    spec = _BY_CAMEL.get(name)
    hint = f"in Python it is spelled {spec.name}" if spec else f"the helpers are: {', '.join(HELPER_NAMES)}"
    return decl_error("DECL_UNKNOWN_HELPER", f"{name} is not an mvm helper", [], hint)


def call_helper(name: str, positional: tuple[Any, ...], kwargs: Kwargs) -> HelperValue:
    """Calls a helper with Python's calling convention: at most one positional argument (where the table
    allows one), then keywords. Checks run in the same order as helpers.ts's callHelper."""
    spec = _BY_NAME.get(name)
    if spec is None:
        raise unknown_helper_error(name)
    max_positional = 1 if spec.positional else 0
    if len(positional) > max_positional:
        takes = f"only {spec.positional} positionally" if spec.positional else "no positional arguments"
        raise decl_error("DECL_POSITIONAL_ARG", f"{spec.name} takes {takes}", [max_positional],
                         f"pass arguments by keyword, e.g. {spec.name}({spec.params[0]}=...)")
    kw: Kwargs = {}
    if spec.positional and len(positional) == 1:
        kw[spec.positional] = positional[0]
    for key, value in kwargs.items():
        if key not in spec.params:
            raise decl_error("DECL_UNKNOWN_KWARG", f"{spec.name} got an unknown argument {json_string(key)}", [key],
                             f"expected one of: {', '.join(spec.params)}")
        if key in kw:
            raise decl_error("DECL_DUPLICATE_KWARG", f"{spec.name} got {key} twice", [key])
        kw[key] = value
    for key in spec.required:
        if not given(kw.get(key)):
            raise decl_error("DECL_MISSING_KWARG", f"{spec.name} needs {key}", [key])
    return HelperValue(spec.name, spec.kind, spec.lower(kw))
