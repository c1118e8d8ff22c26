/**
 * @module @mvm/builder — turns an app into bootable artifacts: the guest kernel, image layers and
 * ext4 images, all cached by content hash under MVM_CACHE_DIR.
 */
export * from "./cache.ts";
export * from "./command.ts";
export * from "./progress.ts";
export * from "./host-packages.ts";
export * from "./initramfs.ts";
export * from "./kernel/fragment.ts";
export * from "./kernel/pvh-note.ts";
export * from "./kernel/build.ts";
export * from "./kernel/resolve.ts";
export * from "./ext4.ts";
export * from "./layers/apt-sources.ts";
export * from "./layers/debian-base.ts";
export * from "./agent/agent-binary.ts";
export * from "./home.ts";
export * from "./registry/manifest.ts";
export * from "./registry/registry.ts";
export * from "./file-hash.ts";
export * from "./image/index.ts";
