/** The VMM backend: the Backend contract, the QEMU microvm implementation and its accelerator probe. */
export * from "./backend.ts";
export * from "./accelerator.ts";
export * from "./qemu-argv.ts";
export * from "./qemu.ts";
export * from "./qmp.ts";
export * from "./kvm-boot-check.ts";
