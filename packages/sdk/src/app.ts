import { lowerApp, MvmError, type DeclValue } from "@mvm/ir";
import { userCallSite } from "./call-site.ts";
import { inGuest } from "./guest-mode.ts";
import { located, type Helper, type HookSpec } from "./helpers.ts";
import { sdkState } from "./state.ts";

export interface AppOptions {
  name: string;
  image: Helper;
  entrypoint: Helper;
  source?: Helper;
  resources?: Helper;
  network?: Helper;
  env?: Record<string, string | Helper>;
  addons?: Helper[];
  before_build?: HookSpec;
  before_start?: HookSpec;
  after_start?: HookSpec;
  before_stop?: HookSpec;
}

/**
 * Declares the microVM app. `name` and `entrypoint` are required in TypeScript (an arrow function has no
 * name at run time). Returns a wrapper that hands back the function unchanged, so it still works locally.
 * Inside an mvm image (`MVM_SDK_MODE=guest`) nothing is recorded or checked: the function comes straight back.
 * @example
 *   export const greet = mvm.app({ name: "hello-app", image: mvm.python_image({ python: "3.12" }),
 *     entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" }) })((name: string) => `hello ${name}`);
 */
export function app(options: AppOptions): <F extends (...args: never[]) => unknown>(fn: F) => F {
  if (inGuest()) return (fn) => fn;
  const site = userCallSite();
  const state = sdkState();
  located(() => {
    if (state.app) {
      throw new MvmError("DECL_SECOND_APP", `a second app ("${String(options?.name)}") was declared; "${state.app.name}" already is`, "declare one app per file");
    }
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new MvmError("DECL_BAD_ARGUMENT", "app() takes one options object", 'e.g. mvm.app({ name: "my-app", ... })');
    }
    state.app = lowerApp(options as unknown as { [key: string]: DeclValue }, { language: "node", fileStem: site ? stem(site.file) : "app" });
  });
  return (fn) => fn;
}

function stem(file: string): string {
  const base = file.slice(file.lastIndexOf("/") + 1);
  const dot = base.indexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}
