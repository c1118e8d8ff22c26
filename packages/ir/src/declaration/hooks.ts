/** Hook lowering (DESIGN.md §2): one rule table for every phase of apps and addons. */
import type { HookCmd, HookPhase, Hooks } from "../schema.ts";
import { HOOK_PHASES } from "../schema.ts";
import { given, label } from "./checks.ts";
import { declError, describeValue, HelperValue, type DeclPath, type DeclValue } from "./values.ts";

/** `hook(cmd)`: a string is one shell line, a list of strings one argv. */
export function lowerHookCommand(cmd: DeclValue, path: DeclPath): HookCmd {
  if (typeof cmd === "string") {
    if (cmd.length === 0) throw declError("DECL_EMPTY_HOOK", "a hook command must not be an empty string", path);
    return { kind: "shell", line: cmd };
  }
  if (Array.isArray(cmd) && cmd.every((item) => typeof item === "string")) {
    if (cmd.length === 0) throw declError("DECL_EMPTY_HOOK", "a hook argv must not be an empty list", path);
    if (cmd[0] === "") throw declError("DECL_EMPTY_HOOK", "a hook argv must start with a program name, got an empty string", [...path, 0]);
    return { kind: "argv", argv: cmd as string[] };
  }
  throw declError("DECL_BAD_ARGUMENT", `a hook command must be a string or a list of strings, got ${describeValue(cmd)}`, path);
}

/**
 * A phase value: a string → one shell; hook(...) → its command; a list of only strings → one argv;
 * any other list → each element lowered alone. Empty lists and empty strings are errors.
 */
export function lowerHookPhase(value: DeclValue, path: DeclPath): HookCmd[] {
  if (value instanceof HelperValue && value.result.kind === "hook") return [value.result.value];
  if (typeof value === "string") return [lowerHookCommand(value, path)];
  if (!Array.isArray(value)) {
    throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be a string, a list, or mvm.hook(...), got ${describeValue(value)}`, path,
      "use a shell line, an argv list, mvm.hook(cmd), or a list of those");
  }
  if (value.length === 0) throw declError("DECL_EMPTY_HOOK", `${label(path)} must not be an empty list`, path, "leave the phase out instead");
  if (value.every((item) => typeof item === "string")) return [lowerHookCommand(value, path)];
  return value.map((item, i) => {
    if (item instanceof HelperValue && item.result.kind === "hook") return item.result.value;
    if (typeof item === "string" || Array.isArray(item)) return lowerHookCommand(item, [...path, i]);
    throw declError("DECL_BAD_ARGUMENT", `${label(path)}[${i}] must be a string, a list of strings, or mvm.hook(...), got ${describeValue(item)}`, [...path, i]);
  });
}

/** Lowers the four phases present in `kwargs`; a phase with no commands is omitted, as is an empty Hooks. */
export function lowerHooks(kwargs: { [key: string]: DeclValue }, path: DeclPath): Hooks | undefined {
  const hooks: Hooks = {};
  for (const phase of HOOK_PHASES) {
    const value = kwargs[phase];
    if (given(value)) hooks[phase] = lowerHookPhase(value, [...path, phase]);
  }
  return Object.keys(hooks).length > 0 ? hooks : undefined;
}

/** Addon hooks first, in attachment order, then the app's own: what launch.json and the image carry. */
export function mergeHooks(own: Hooks | undefined, addons: readonly { hooks?: Hooks }[]): Hooks {
  const merged: Hooks = {};
  for (const phase of HOOK_PHASES) {
    const cmds: HookCmd[] = [...addons.flatMap((a) => a.hooks?.[phase] ?? []), ...(own?.[phase] ?? [])];
    if (cmds.length > 0) merged[phase] = cmds;
  }
  return merged;
}

export type { HookPhase };
