import { test } from "node:test";
import assert from "node:assert/strict";
import { describeDropped, parseKconfig, readKernelFragment, verifyKernelConfig } from "./fragment.ts";
import { hasPvhNote } from "./pvh-note.ts";
import { mvmKernelEntry } from "./build.ts";

const fragment = `CONFIG_VIRTIO=y
CONFIG_NR_CPUS=8
CONFIG_LOCALVERSION="-mvm"
# CONFIG_PCI is not set
CONFIG_IPV6_SIT=n
# a comment line
`;

const cases = [
  { name: "every option kept: no misses", config: `CONFIG_VIRTIO=y\nCONFIG_NR_CPUS=8\nCONFIG_LOCALVERSION="-mvm"\n# CONFIG_PCI is not set\n`, want: [] },
  { name: "an unset option may be absent or 'is not set'", config: `CONFIG_VIRTIO=y\nCONFIG_NR_CPUS=8\nCONFIG_LOCALVERSION="-mvm"\n# CONFIG_IPV6_SIT is not set\n`, want: [] },
  { name: "a =y option that vanished", config: `CONFIG_NR_CPUS=8\nCONFIG_LOCALVERSION="-mvm"\n`, want: [{ name: "CONFIG_VIRTIO", wanted: "y", got: null }] },
  { name: "a =y option that became a module", config: `CONFIG_VIRTIO=m\nCONFIG_NR_CPUS=8\nCONFIG_LOCALVERSION="-mvm"\n`, want: [{ name: "CONFIG_VIRTIO", wanted: "y", got: "m" }] },
  { name: "a value that changed", config: `CONFIG_VIRTIO=y\nCONFIG_NR_CPUS=64\nCONFIG_LOCALVERSION="-mvm"\n`, want: [{ name: "CONFIG_NR_CPUS", wanted: "8", got: "64" }] },
  {
    name: "an unset option that got turned on",
    config: `CONFIG_VIRTIO=y\nCONFIG_NR_CPUS=8\nCONFIG_LOCALVERSION="-mvm"\nCONFIG_PCI=y\nCONFIG_IPV6_SIT=y\n`,
    want: [{ name: "CONFIG_PCI", wanted: null, got: "y" }, { name: "CONFIG_IPV6_SIT", wanted: null, got: "y" }],
  },
];
for (const c of cases) test(`fragment verifier: ${c.name}`, () => assert.deepEqual(verifyKernelConfig(fragment, c.config), c.want));

test("the report names each dropped option with what was wanted and found", () => {
  const text = describeDropped([{ name: "CONFIG_SERIO_I8042", wanted: "y", got: null }]);
  assert.match(text, /CONFIG_SERIO_I8042: wanted y, got unset/);
});

test("the repo's fragment carries the options issue 4 adds on top of RUNTIME-NOTES Appendix C", () => {
  const options = parseKconfig(readKernelFragment().toString("utf8"));
  assert.equal(options.get("CONFIG_SERIO"), "y");
  assert.equal(options.get("CONFIG_SERIO_I8042"), "y");
  assert.equal(options.get("CONFIG_IPV6_SIT"), null);
  assert.equal(options.has("CONFIG_IPV6_SIT"), true);
  assert.equal(options.get("CONFIG_PVH"), "y");
  assert.equal(options.get("CONFIG_MODULES"), null);
});

test("the cache key changes with the fragment bytes and the source version", () => {
  const a = mvmKernelEntry("6.1.192-3", Buffer.from("CONFIG_A=y\n"));
  assert.notEqual(a.key, mvmKernelEntry("6.1.192-3", Buffer.from("CONFIG_A=y\nCONFIG_B=y\n")).key);
  assert.notEqual(a.key, mvmKernelEntry("6.1.193-1", Buffer.from("CONFIG_A=y\n")).key);
  assert.match(a.vmlinux, new RegExp(`/kernel/${a.key}/vmlinux$`));
});

test("the PVH check rejects non-ELF input", () => {
  assert.equal(hasPvhNote(Buffer.from("MZ not an elf")), false);
  assert.equal(hasPvhNote(Buffer.alloc(0)), false);
});
