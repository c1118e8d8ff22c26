export { APP_PARAMS, lowerApp, workloadOf, type AppContext } from "./app.ts";
export { callHelper, helperNames, helperParams, isHelperName } from "./helpers.ts";
export { lowerHookCommand, lowerHookPhase, lowerHooks, mergeHooks } from "./hooks.ts";
export { callHelperTs } from "./ts-args.ts";
export { DeclFloat, HelperValue, describeValue, isPlainObject, type DeclLanguage, type DeclPath, type DeclValue, type HelperResult } from "./values.ts";
