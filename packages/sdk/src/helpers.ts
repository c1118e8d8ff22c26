/**
 * The helper allowlist, in TypeScript's spellings: each helper exists under its snake_case name and,
 * where that differs, its camelCase one. Option keys are snake_case everywhere (`memory_mb`).
 */
import { callHelperTs, MvmError, type DeclValue } from "@mvm/ir";
import { userCallSite } from "./call-site.ts";

declare const helperBrand: unique symbol;
/** An opaque helper result; pass it to `app({...})`. (Opaque so the published types need nothing of mvm's internals.) */
export interface Helper {
  readonly [helperBrand]: "mvm helper";
}
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

/** Every argument the caller passed goes to the shared lowering, so extra ones are refused as the compiler refuses them. */
const call = (name: string, args: IArguments): Helper =>
  located(() => callHelperTs(name, withoutTrailingUndefined([...args] as DeclValue[]))) as unknown as Helper;

/** The app's code: a directory (relative to the app file) plus gitignore-style include/exclude globs. */
export function local_path(path: string, options?: { include?: string[]; exclude?: string[] }): Helper {
  return call("local_path", arguments);
}
/** A Python image: `python: "3.12"` → the `python312` package, plus extra packages. */
export function python_image(options?: { python?: string; packages?: string[] }): Helper {
  return call("python_image", arguments);
}
/** A Node image: `node: "22"` → the `nodejs_22` package, plus extra packages. */
export function node_image(options?: { node?: string; packages?: string[] }): Helper {
  return call("node_image", arguments);
}
/** An image from package names, passed through as written. */
export function nix_packages(packages: string[]): Helper {
  return call("nix_packages", arguments);
}
/** vCPUs (`cpu` or `cpu_cores`), memory and root filesystem size; defaults 1 / 256 MiB / 512 MiB. */
export function resources(options?: { cpu?: number; cpu_cores?: number; memory_mb?: number; rootfs_size_mb?: number }): Helper {
  return call("resources", arguments);
}
/** Networking: `none` (no NIC), `bridge` or `host`, with ports `{guest, host?, proto?}` (host defaults to guest). */
export function network(options?: { mode?: "none" | "bridge" | "host"; ports?: { guest: number; host?: number; proto?: "tcp" | "udp" }[] }): Helper {
  return call("network", arguments);
}
/**
 * A host-held secret; the guest sees only an opaque token in `var` (default: the secret's name). `hosts`
 * lists origins (`"https://api.example.com"`) the app asks the operator to allow; only the operator's
 * allowlist (`mvmctl secret allow`) releases the value.
 */
export function secret(name: string, options?: { var?: string; hosts?: string[] }): Helper {
  return call("secret", arguments);
}
/** A literal env value, for parity with `secret(...)`. */
export function literal(value: string): Helper {
  return call("literal", arguments);
}
/** One hook command: a string is a shell line, a list of strings an argv. */
export function hook(cmd: string | string[]): Helper {
  return call("hook", arguments);
}
/** The function the microVM serves. */
export function entrypoint_function(options: { module: string; function: string; primary?: boolean }): Helper {
  return call("entrypoint_function", arguments);
}
/** A bundle of hooks other apps attach with `addons: [...]`; its hooks run before the app's own. */
export function addon(options: { name: string; before_build?: HookSpec; before_start?: HookSpec; after_start?: HookSpec; before_stop?: HookSpec }): Helper {
  return call("addon", arguments);
}

export const localPath = local_path;
export const pythonImage = python_image;
export const nodeImage = node_image;
export const nixPackages = nix_packages;
export const entrypointFunction = entrypoint_function;

// `f(x)` and `f(x, undefined)` are the same call, as in the static compiler.
function withoutTrailingUndefined(args: DeclValue[]): DeclValue[] {
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}
