import type { App } from "@mvm/ir";

/** One IR per process, even if two copies of mvm-sdk are loaded: the state lives on globalThis. */
interface SdkState {
  app?: App;
  emitted: boolean;
  exitHookInstalled: boolean;
}

const KEY = Symbol.for("mvm-sdk.state");

export function sdkState(): SdkState {
  const holder = globalThis as { [KEY]?: SdkState };
  holder[KEY] ??= { emitted: false, exitHookInstalled: false };
  return holder[KEY];
}
