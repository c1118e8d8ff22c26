"""Lowering of ``@mvm.app(...)`` into an App and its Workload (mirrors app.ts, including its check order)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._ir import APP_NAME_PATTERN, ENV_KEY_PATTERN, SCHEMA_VERSION, Addon, App, EnvValue, Workload
from .checks import expect_dict, expect_known_keys, expect_pattern, expect_string, given, label
from .hooks import lower_hooks
from .values import DeclPath, HelperValue, decl_error, describe_value

APP_PARAMS = (
    "name", "source", "image", "resources", "network", "entrypoint", "env", "addons",
    "before_build", "before_start", "after_start", "before_stop",
)


@dataclass(frozen=True)
class AppContext:
    # The declaring file's name without extension: the default entrypoint module.
    file_stem: str
    # The decorated function's name: the default app name (with _ → -) and entrypoint function.
    function_name: str


def lower_app(kwargs: dict[str, Any], ctx: AppContext) -> App:
    """Lowers app() keywords to an App. Checks run in one fixed order so every route reports the same first error."""
    expect_known_keys(kwargs, APP_PARAMS, [], "app")
    if given(kwargs.get("name")):
        name = expect_string(kwargs["name"], ["name"])
    else:
        name = ctx.function_name.replace("_", "-")
    expect_pattern(name, APP_NAME_PATTERN, ["name"], "app name")

    if given(kwargs.get("source")):
        source = _helper_result(kwargs["source"], "source", ["source"], "mvm.local_path(...)")
    else:
        source = {"kind": "local_path", "path": ".", "include": ["**"], "exclude": []}
    if not given(kwargs.get("image")):
        raise decl_error("DECL_MISSING_KWARG", "app needs image", ["image"], 'e.g. image=mvm.python_image(python="3.12")')
    image = _helper_result(kwargs["image"], "image", ["image"], "mvm.python_image(...), mvm.node_image(...) or mvm.nix_packages([...])")
    if given(kwargs.get("resources")):
        resources = _helper_result(kwargs["resources"], "resources", ["resources"], "mvm.resources(...)")
    else:
        resources = {"cpu_cores": 1, "memory_mb": 256, "rootfs_size_mb": 512}
    network = _helper_result(kwargs["network"], "network", ["network"], "mvm.network(...)") if given(kwargs.get("network")) else None

    if given(kwargs.get("entrypoint")):
        entry = _helper_result(kwargs["entrypoint"], "entrypoint", ["entrypoint"], "mvm.entrypoint_function(...)")
    else:
        entry = {"module": ctx.file_stem, "function": ctx.function_name, "primary": True}

    env = _lower_env(kwargs["env"]) if given(kwargs.get("env")) else {}
    addons = _lower_addons(kwargs["addons"]) if given(kwargs.get("addons")) else []
    hooks = lower_hooks(kwargs, [])

    app: App = {
        "name": name,
        "source": source,
        "image": image,
        "entrypoints": [{
            "kind": "function", "language": "python", "module": entry["module"], "function": entry["function"],
            "format": "json", "working_dir": "/app", "env": {}, "primary": entry["primary"],
        }],
        "env": env,
        "mounts": [],
        "network": network,
        "resources": resources,
        "dependencies": {"kind": "none"},
    }
    if hooks:
        app["hooks"] = hooks
    if addons:
        app["addons"] = addons
    return app


def workload_of(app: App) -> Workload:
    """The Workload around one app: one app per file, and the workload's id is the app's name."""
    return {"schema_version": SCHEMA_VERSION, "id": app["name"], "apps": [app], "volumes": [], "extensions": {}}


def _lower_env(value: Any) -> dict[str, EnvValue]:
    obj = expect_dict(value, ["env"])
    env: dict[str, EnvValue] = {}
    for key, item in obj.items():
        path: DeclPath = ["env", key]
        expect_pattern(key, ENV_KEY_PATTERN, path, "env variable")
        if isinstance(item, str):
            env[key] = {"kind": "literal", "value": str(item)}
        else:
            env[key] = _helper_result(item, "env", path, 'a string, mvm.literal("...") or mvm.secret("name")')
    return env


def _lower_addons(value: Any) -> list[Addon]:
    if not isinstance(value, list):
        raise decl_error("DECL_BAD_ARGUMENT", f"addons must be a list of mvm.addon(...), got {describe_value(value)}", ["addons"])
    seen: set[str] = set()
    addons: list[Addon] = []
    for i, item in enumerate(value):
        addon = _helper_result(item, "addon", ["addons", i], "mvm.addon(...)")
        if addon["name"] in seen:
            raise decl_error("DECL_BAD_ARGUMENT", f'addon "{addon["name"]}" is attached twice', ["addons", i])
        seen.add(addon["name"])
        addons.append(addon)
    return addons


def _helper_result(value: Any, kind: str, path: DeclPath, expected: str) -> Any:
    if isinstance(value, HelperValue) and value.kind == kind:
        return value.value
    raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be {expected}, got {describe_value(value)}", path)
