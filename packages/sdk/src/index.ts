/**
 * @module mvm-sdk — declare a microVM workload from one function and emit its Workload IR.
 * The same declaration compiles statically with `mvmctl compile app.ts`, to the same bytes.
 */
import { installEmitAtExit } from "./emit.ts";

export { app, type AppOptions } from "./app.ts";
export { emitJson, emitJson as emit_json } from "./emit.ts";
export * from "./helpers.ts";
export { Sandbox, type CommandResult, type SandboxOptions, type WriteInfo } from "./sandbox/index.ts";
export { MvmError } from "@mvm/ir";
export { webFetch, webFetch as web_fetch, webSearch, webSearch as web_search, type SearchResult, type WebResponse } from "./web.ts";

// MVM_SDK_MODE=emit prints the IR at exit; installed on import so a script that declares nothing still fails loudly.
installEmitAtExit();
