// The no-compiler fallback on the real Debian package (one ~26 MB apt download, then cached).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { ensureDebianCloudKernel } from "./debian-cloud.ts";
import { hasPvhNote } from "./pvh-note.ts";

test("Debian's cloud kernel yields a PVH vmlinux and an initramfs loading the virtio modules dependencies-first", async () => {
  const kernel = await ensureDebianCloudKernel();
  assert.match(kernel.packageName, /^linux-image-.*-cloud-amd64$/);
  assert.ok(hasPvhNote(await readFile(kernel.vmlinux)), "the extracted vmlinux carries the PVH note");
  const cpio = (await readFile(kernel.initrd)).toString("latin1");
  const orderAt = cpio.indexOf("modules.order\0");
  assert.ok(orderAt > 0, "the initramfs lists its modules");
  const order = cpio.slice(cpio.indexOf("virtio", orderAt)).split("\n").slice(0, 20);
  const at = (m: string) => order.indexOf(m);
  for (const m of ["virtio", "virtio_ring", "virtio_mmio", "virtio_blk", "virtio_console", "virtio_net", "vmw_vsock_virtio_transport"]) {
    assert.ok(at(m) >= 0, `${m} is loaded`);
  }
  assert.ok(at("virtio_ring") < at("virtio_mmio") && at("virtio") < at("virtio_blk"), "the virtio core comes before the devices");
  assert.ok(at("vmw_vsock_virtio_transport_common") < at("vmw_vsock_virtio_transport"));
  assert.ok(cpio.includes("modules/virtio_mmio.ko\0"));
});
