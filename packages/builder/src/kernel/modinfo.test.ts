import { test } from "node:test";
import assert from "node:assert/strict";
import { MvmError } from "@mvm/ir";
import { moduleLoadOrder } from "./modinfo.ts";

// The dependency graph of Debian's 6.1 cloud kernel for the modules mvm needs (RUNTIME-NOTES.md §2).
const cloudDeps = new Map<string, string[]>([
  ["virtio_ring", []],
  ["virtio", []],
  ["virtio_mmio", ["virtio", "virtio_ring"]],
  ["virtio_blk", ["virtio", "virtio_ring"]],
  ["virtio_console", ["virtio", "virtio_ring"]],
  ["failover", []],
  ["net_failover", ["failover"]],
  ["virtio_net", ["net_failover", "virtio", "virtio_ring"]],
  ["vsock", []],
  ["vmw_vsock_virtio_transport_common", ["vsock"]],
  ["vmw_vsock_virtio_transport", ["vmw_vsock_virtio_transport_common", "virtio", "virtio_ring", "vsock"]],
]);

const cases = [
  {
    name: "dependencies come before their users, each module once",
    wanted: ["virtio_mmio", "virtio_blk", "virtio_console", "virtio_net", "vmw_vsock_virtio_transport"],
    want: ["virtio", "virtio_ring", "virtio_mmio", "virtio_blk", "virtio_console", "failover", "net_failover", "virtio_net", "vsock", "vmw_vsock_virtio_transport_common", "vmw_vsock_virtio_transport"],
  },
  { name: "a module without dependencies is loaded alone", wanted: ["vsock"], want: ["vsock"] },
  { name: "dash and underscore spellings are the same module", wanted: ["virtio-blk"], want: ["virtio", "virtio_ring", "virtio_blk"] },
];
for (const c of cases) test(c.name, () => assert.deepEqual(moduleLoadOrder(c.wanted, cloudDeps), c.want));

test("a built-in dependency is skipped, a missing one is an error naming who needs it", () => {
  const deps = new Map([["ext4_user", ["ext4", "jbd2"]], ["jbd2", []]]);
  assert.deepEqual(moduleLoadOrder(["ext4_user"], deps, new Set(["ext4"])), ["jbd2", "ext4_user"]);
  assert.throws(
    () => moduleLoadOrder(["ext4_user"], deps),
    (e: unknown) => e instanceof MvmError && e.code === "BUILD_MODULE_DEPS" && /ext4 \(needed by ext4_user\)/.test(e.message),
  );
});

test("a dependency cycle is an error, not a hang", () => {
  const deps = new Map([["a", ["b"]], ["b", ["a"]]]);
  assert.throws(() => moduleLoadOrder(["a"], deps), (e: unknown) => e instanceof MvmError && e.code === "BUILD_MODULE_DEPS" && /a -> b -> a/.test(e.message));
});
