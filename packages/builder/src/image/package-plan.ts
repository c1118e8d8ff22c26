/**
 * What an image's packages resolve to, without building it (for `mvmctl review`): the provider's resolution
 * is pure, and the versions come from the layers already in the cache — the very ones `mvmctl build` would
 * use. A layer not cached yet leaves its packages' versions unknown (null) rather than fetching anything.
 */
import { MvmError, type Launch } from "@mvm/ir";
import { cachedDebianVersions } from "../layers/debian-base.ts";
import type { ResolvedPackage, Substitution } from "../registry/manifest.ts";
import { cachedNodeVersion } from "./providers/node.ts";
import type { ImageResolution } from "./providers/provider.ts";
import { defaultProvider, imageRequest } from "./resolve.ts";

export type PlannedPackage = Omit<ResolvedPackage, "version"> & { version: string | null };

export interface PackagePlan {
  provider: string;
  suite?: string;
  packages: PlannedPackage[];
  substitutions: Substitution[];
  warnings: string[];
  /** Each layer the packages come from and whether it is cached (its versions known). */
  layers: { name: "base" | "runtime"; cached: boolean; note?: string }[];
}

/** Each resolved attribute with its version from the layers' records (null where a layer's is not known). */
export function packageVersions(resolution: ImageResolution, debianVersions: Record<string, string> | undefined, nodeVersion: string | undefined): PlannedPackage[] {
  return resolution.attributes.map((a) => ({
    attribute: a.attribute,
    provider: a.provider,
    package: a.package,
    version: (a.provider === "npm" ? nodeVersion : debianVersions?.[a.package]) ?? null,
    ...(a.suite ? { suite: a.suite } : {}),
    added: a.added,
  }));
}

export function planImagePackages(launch: Launch, opts: { strict?: boolean } = {}): PackagePlan {
  const resolution = defaultProvider().resolve(imageRequest(launch, opts.strict ?? false));
  const layers: PackagePlan["layers"] = [];
  let debianVersions: Record<string, string> | undefined;
  let nodeVersion: string | undefined;
  let suite: string | undefined;
  for (const layer of resolution.layers) {
    if (layer.kind === "debian") {
      suite = layer.suite;
      try {
        debianVersions = cachedDebianVersions(layer);
        layers.push({ name: "base", cached: debianVersions !== undefined });
      } catch (err) {
        if (!(err instanceof MvmError)) throw err;
        layers.push({ name: "base", cached: false, note: err.message });
      }
    } else {
      nodeVersion = cachedNodeVersion(layer.major);
      layers.push({ name: "runtime", cached: nodeVersion !== undefined });
    }
  }
  return {
    provider: resolution.provider,
    ...(suite ? { suite } : {}),
    packages: packageVersions(resolution, debianVersions, nodeVersion),
    substitutions: resolution.substitutions,
    warnings: resolution.warnings,
    layers,
  };
}
