/** @module Snapshot templates and their clones (docs/snapshots.md): format, key, store, verification, making, restoring. */
export { TEMPLATE_FORMAT_VERSION, TemplateManifest, TemplateKeyParts } from "./format.ts";
export { restoreClone, type ClonedVm, type CloneValues } from "./clone.ts";
export { TemplateBootError, TemplateUnavailable, templateMac } from "./make.ts";
export { cloneRefusal, TemplateService, type ObtainedTemplate, type TemplateRequest } from "./service.ts";
export { listTemplateKeys, readTemplateManifest, templateDiskBytes, templatesDir } from "./store.ts";
