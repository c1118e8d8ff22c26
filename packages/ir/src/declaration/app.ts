/** Lowering of the app declaration itself (`@mvm.app(...)` / `mvm.app({...})(fn)`) into an App and its Workload. */
import { APP_NAME_PATTERN, ENV_KEY_PATTERN, SCHEMA_VERSION, type App, type EnvValue, type Workload } from "../schema.ts";
import { expectKnownKeys, expectObject, expectPattern, expectString, given, label } from "./checks.ts";
import { lowerHooks } from "./hooks.ts";
import { declError, describeValue, HelperValue, type DeclLanguage, type DeclPath, type DeclValue, type HelperResult } from "./values.ts";

export const APP_PARAMS = [
  "name", "source", "image", "resources", "network", "entrypoint", "env", "addons",
  "before_build", "before_start", "after_start", "before_stop",
] as const;

export interface AppContext {
  language: DeclLanguage;
  /** The declaring file's name without extension: Python's default entrypoint module. */
  fileStem: string;
  /** The decorated function's name (Python); TypeScript has none at run time, so name and entrypoint are required. */
  functionName?: string;
}

/** Lowers app() keywords to an App. Checks run in one fixed order so every route reports the same first error. */
export function lowerApp(kwargs: { [key: string]: DeclValue }, ctx: AppContext): App {
  expectKnownKeys(kwargs, APP_PARAMS, [], "app");
  const isPython = ctx.language === "python";
  const fallbackName = isPython && ctx.functionName !== undefined ? ctx.functionName.replaceAll("_", "-") : undefined;
  if (!given(kwargs.name) && fallbackName === undefined) {
    throw declError("DECL_MISSING_KWARG", "app needs name", ["name"], "in TypeScript the function passed to app() has no name at run time; give name: \"my-app\"");
  }
  const name = expectPattern(given(kwargs.name) ? expectString(kwargs.name, ["name"]) : fallbackName!, APP_NAME_PATTERN, ["name"], "app name");

  const source = given(kwargs.source)
    ? helperResult(kwargs.source, "source", ["source"], "mvm.local_path(...)")
    : { kind: "local_path" as const, path: ".", include: ["**"], exclude: [] };
  if (!given(kwargs.image)) {
    throw declError("DECL_MISSING_KWARG", "app needs image", ["image"], 'e.g. image=mvm.python_image(python="3.12")');
  }
  const image = helperResult(kwargs.image, "image", ["image"], "mvm.python_image(...), mvm.node_image(...) or mvm.nix_packages([...])");
  const resources = given(kwargs.resources)
    ? helperResult(kwargs.resources, "resources", ["resources"], "mvm.resources(...)")
    : { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 };
  const network = given(kwargs.network) ? helperResult(kwargs.network, "network", ["network"], "mvm.network(...)") : null;

  let entry: { module: string; function: string; primary: boolean };
  if (given(kwargs.entrypoint)) {
    entry = helperResult(kwargs.entrypoint, "entrypoint", ["entrypoint"], "mvm.entrypoint_function(...)");
  } else if (isPython && ctx.functionName !== undefined) {
    entry = { module: ctx.fileStem, function: ctx.functionName, primary: true };
  } else {
    throw declError("DECL_MISSING_KWARG", "app needs entrypoint", ["entrypoint"], 'e.g. entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" })');
  }

  const env = given(kwargs.env) ? lowerEnv(kwargs.env) : {};
  const addons = given(kwargs.addons) ? lowerAddons(kwargs.addons) : [];
  const hooks = lowerHooks(kwargs, []);

  const app: App = {
    name,
    source,
    image,
    entrypoints: [{
      kind: "function", language: ctx.language, module: entry.module, function: entry.function,
      format: "json", working_dir: "/app", env: {}, primary: entry.primary,
    }],
    env,
    mounts: [],
    network,
    resources,
    dependencies: { kind: "none" },
  };
  if (hooks) app.hooks = hooks;
  if (addons.length > 0) app.addons = addons;
  return app;
}

/** The Workload around one app: one app per file, and the workload's id is the app's name. */
export function workloadOf(app: App): Workload {
  return { schema_version: SCHEMA_VERSION, id: app.name, apps: [app], volumes: [], extensions: {} };
}

function lowerEnv(value: DeclValue): { [key: string]: EnvValue } {
  const obj = expectObject(value, ["env"]);
  // A null prototype keeps a key named "__proto__" an ordinary variable.
  const env: { [key: string]: EnvValue } = Object.create(null);
  for (const [key, item] of Object.entries(obj)) {
    const path: DeclPath = ["env", key];
    expectPattern(key, ENV_KEY_PATTERN, path, "env variable");
    if (typeof item === "string") env[key] = { kind: "literal", value: item };
    else env[key] = helperResult(item, "env", path, 'a string, mvm.literal("...") or mvm.secret("name")');
  }
  return env;
}

function lowerAddons(value: DeclValue) {
  if (!Array.isArray(value)) throw declError("DECL_BAD_ARGUMENT", `addons must be a list of mvm.addon(...), got ${describeValue(value)}`, ["addons"]);
  const seen = new Set<string>();
  return value.map((item, i) => {
    const addon = helperResult(item, "addon", ["addons", i], "mvm.addon(...)");
    if (seen.has(addon.name)) throw declError("DECL_BAD_ARGUMENT", `addon ${JSON.stringify(addon.name)} is attached twice`, ["addons", i]);
    seen.add(addon.name);
    return addon;
  });
}

type ResultOf<K extends HelperResult["kind"]> = Extract<HelperResult, { kind: K }>["value"];

function helperResult<K extends HelperResult["kind"]>(value: DeclValue, kind: K, path: DeclPath, expected: string): ResultOf<K> {
  if (value instanceof HelperValue && value.result.kind === kind) return value.result.value as ResultOf<K>;
  throw declError("DECL_BAD_ARGUMENT", `${label(path)} must be ${expected}, got ${describeValue(value)}`, path);
}
