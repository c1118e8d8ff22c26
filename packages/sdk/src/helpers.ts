/**
 * The helper allowlist, in TypeScript's spellings: each helper exists under its snake_case name and,
 * where that differs, its camelCase one. Option keys are snake_case everywhere (`memory_mb`).
 */
import { callHelperTs, MvmError, type DeclValue, type HelperValue } from "@mvm/ir";
import { userCallSite } from "./call-site.ts";

/** An opaque helper result; pass it to `app({...})`. */
export type Helper = HelperValue;
export type HookCommand = string | string[] | Helper;
export type HookSpec = string | Helper | HookCommand[];

/** Runs a helper and, on a declaration error, names the user's call site. */
export function located<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof MvmError) err.at(userCallSite());
    throw err;
  }
}

const call = (name: string, args: unknown[]): Helper => located(() => callHelperTs(name, args as DeclValue[]));

/** The app's code: a directory (relative to the app file) plus gitignore-style include/exclude globs. */
export const local_path = (path: string, options?: { include?: string[]; exclude?: string[] }): Helper => call("local_path", [...arguments_(path, options)]);
/** A Python image: `python: "3.12"` → the `python312` package, plus extra packages. */
export const python_image = (options?: { python?: string; packages?: string[] }): Helper => call("python_image", [...arguments_(options)]);
/** A Node image: `node: "22"` → the `nodejs_22` package, plus extra packages. */
export const node_image = (options?: { node?: string; packages?: string[] }): Helper => call("node_image", [...arguments_(options)]);
/** An image from package names, passed through as written. */
export const nix_packages = (packages: string[]): Helper => call("nix_packages", [packages]);
/** vCPUs (`cpu` or `cpu_cores`), memory and root filesystem size; defaults 1 / 256 MiB / 512 MiB. */
export const resources = (options?: { cpu?: number; cpu_cores?: number; memory_mb?: number; rootfs_size_mb?: number }): Helper =>
  call("resources", [...arguments_(options)]);
/** Networking: `none` (no NIC), `bridge` or `host`, with ports `{guest, host?, proto?}` (host defaults to guest). */
export const network = (options?: { mode?: "none" | "bridge" | "host"; ports?: { guest: number; host?: number; proto?: "tcp" | "udp" }[] }): Helper =>
  call("network", [...arguments_(options)]);
/** A host-held secret; the guest sees only an opaque token in `var` (default: the secret's name). */
export const secret = (name: string, options?: { var?: string }): Helper => call("secret", [...arguments_(name, options)]);
/** A literal env value, for parity with `secret(...)`. */
export const literal = (value: string): Helper => call("literal", [value]);
/** One hook command: a string is a shell line, a list of strings an argv. */
export const hook = (cmd: string | string[]): Helper => call("hook", [cmd]);
/** The function the microVM serves. */
export const entrypoint_function = (options: { module: string; function: string; primary?: boolean }): Helper =>
  call("entrypoint_function", [options]);
/** A bundle of hooks other apps attach with `addons: [...]`; its hooks run before the app's own. */
export const addon = (options: { name: string; before_build?: HookSpec; before_start?: HookSpec; after_start?: HookSpec; before_stop?: HookSpec }): Helper =>
  call("addon", [options]);

export const localPath = local_path;
export const pythonImage = python_image;
export const nodeImage = node_image;
export const nixPackages = nix_packages;
export const entrypointFunction = entrypoint_function;

// Drops trailing `undefined`s so `f(x)` and `f(x, undefined)` are the same call, as in the static compiler.
function arguments_(...args: unknown[]): unknown[] {
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}
