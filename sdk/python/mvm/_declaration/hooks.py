"""Hook lowering (DESIGN.md §2): one rule table for every phase of apps and addons (mirrors hooks.ts)."""
from __future__ import annotations

from typing import Any

from .._ir import HOOK_PHASES, HookCmd, Hooks
from .checks import given, label
from .values import DeclPath, HelperValue, decl_error, describe_value


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _hook_of(value: Any) -> HookCmd | None:
    return value.value if isinstance(value, HelperValue) and value.kind == "hook" else None


def lower_hook_command(cmd: Any, path: DeclPath) -> HookCmd:
    """``hook(cmd)``: a string is one shell line, a list of strings one argv."""
    if isinstance(cmd, str):
        if cmd == "":
            raise decl_error("DECL_EMPTY_HOOK", "a hook command must not be an empty string", path)
        return {"kind": "shell", "line": str(cmd)}
    if _is_string_list(cmd):
        if len(cmd) == 0:
            raise decl_error("DECL_EMPTY_HOOK", "a hook argv must not be an empty list", path)
        if cmd[0] == "":
            raise decl_error("DECL_EMPTY_HOOK", "a hook argv must start with a program name, got an empty string", [*path, 0])
        return {"kind": "argv", "argv": [str(item) for item in cmd]}
    raise decl_error("DECL_BAD_ARGUMENT", f"a hook command must be a string or a list of strings, got {describe_value(cmd)}", path)


def lower_hook_phase(value: Any, path: DeclPath) -> list[HookCmd]:
    """A string → one shell; hook(...) → its command; a list of only strings → one argv; any other list →
    each element lowered alone. Empty lists and empty strings are errors."""
    hook = _hook_of(value)
    if hook is not None:
        return [hook]
    if isinstance(value, str):
        return [lower_hook_command(value, path)]
    if not isinstance(value, list):
        raise decl_error("DECL_BAD_ARGUMENT", f"{label(path)} must be a string, a list, or mvm.hook(...), got {describe_value(value)}",
                         path, "use a shell line, an argv list, mvm.hook(cmd), or a list of those")
    if len(value) == 0:
        raise decl_error("DECL_EMPTY_HOOK", f"{label(path)} must not be an empty list", path, "leave the phase out instead")
    if _is_string_list(value):
        return [lower_hook_command(value, path)]
    cmds: list[HookCmd] = []
    for i, item in enumerate(value):
        hook = _hook_of(item)
        if hook is not None:
            cmds.append(hook)
        elif isinstance(item, (str, list)):
            cmds.append(lower_hook_command(item, [*path, i]))
        else:
            raise decl_error("DECL_BAD_ARGUMENT",
                             f"{label(path)}[{i}] must be a string, a list of strings, or mvm.hook(...), got {describe_value(item)}", [*path, i])
    return cmds


def lower_hooks(kwargs: dict[str, Any], path: DeclPath) -> Hooks | None:
    """Lowers the four phases present in ``kwargs``; a phase with no commands is omitted, as is an empty Hooks."""
    hooks: Hooks = {}
    for phase in HOOK_PHASES:
        value = kwargs.get(phase)
        if given(value):
            hooks[phase] = lower_hook_phase(value, [*path, phase])
    return hooks or None
