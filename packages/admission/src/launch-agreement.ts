/**
 * launch.json is not covered by ir_hash, so every field it derives from the IR is compared with the IR:
 * only the entrypoints' parameter lists (which the IR does not carry) are taken from launch.json alone.
 */
import { canonicalJson, mergeHooks, type App, type Launch } from "@mvm/ir";

/** The launch.json fields that disagree with the IR's app (empty when they all agree). */
export function launchDisagreements(launch: Launch, app: App): string[] {
  const withoutParams = (list: Launch["entrypoints"]) => list.map((e) => (e.kind === "function" ? (({ params: _p, ...rest }) => rest)(e) : e));
  const derived: [string, unknown, unknown][] = [
    ["image", launch.image, app.image],
    ["resources", launch.resources, app.resources],
    ["env", launch.env, app.env],
    ["network", launch.network, app.network],
    ["hooks", launch.hooks, mergeHooks(app.hooks, app.addons ?? [])],
    ["entrypoints", withoutParams(launch.entrypoints), app.entrypoints],
  ];
  const differing = derived.filter(([, a, b]) => canonicalJson(a) !== canonicalJson(b)).map(([name]) => name);
  const primary = launch.entrypoints.find((e) => e.kind === "command" || e.primary) ?? launch.entrypoints[0];
  if (canonicalJson(launch.entrypoint) !== canonicalJson(primary)) differing.push("entrypoint");
  return differing;
}
