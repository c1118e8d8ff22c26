/**
 * @module the image builder (`mvmctl build`): compile output → registered app. The public entry is
 * `buildApp`; the rest is exported for tests, benchmarks and the CLI's listing.
 */
export { buildApp, type BuildAppOptions, type BuildAppResult } from "./build-app.ts";
export { imageRequest, defaultProvider, DEFAULT_NODE_MAJOR } from "./resolve.ts";
export { planImagePackages, type PackagePlan, type PlannedPackage } from "./package-plan.ts";
export { DebianProvider, BASE_DEBIAN_PACKAGES } from "./providers/debian.ts";
export { DEBIAN_ATTRIBUTE_TABLE, ATTRIBUTE_TABLE_FILE } from "./providers/debian-attributes.ts";
export { DEBIAN_SUITES } from "./providers/debian-suites.ts";
export type { ImageProvider, ImageRequest, ImageResolution, LayerInput } from "./providers/provider.ts";
export { ensureNodeLayer, NODE_PACKAGE } from "./providers/node.ts";
export { BUILDER_SCAFFOLD_DIR } from "./before-build.ts";
export { RUNTIME_HOOK_PHASES } from "./app-layer.ts";
