import { test } from "node:test";
import assert from "node:assert/strict";
import { MvmError, type Network } from "@mvm/ir";
import { portText, resolveNetwork, vmNetworkSpec } from "./network.ts";

const port = (guest: number, host: number, proto: "tcp" | "udp" = "tcp") => ({ guest, host, proto });

const ok: { name: string; declared: Network | null; mode: string; vm: unknown }[] = [
  { name: "no declaration is no NIC", declared: null, mode: "none", vm: { mode: "none" } },
  { name: "mode none is no NIC", declared: { mode: "none", ports: [] }, mode: "none", vm: { mode: "none" } },
  { name: "bridge forwards each port as declared", declared: { mode: "bridge", ports: [port(8080, 18080), port(53, 1053, "udp")] }, mode: "bridge",
    vm: { mode: "user", ports: [port(8080, 18080), port(53, 1053, "udp")] } },
  { name: "bridge without ports still has user-mode networking", declared: { mode: "bridge", ports: [] }, mode: "bridge", vm: { mode: "user", ports: [] } },
  { name: "host forwards the same number on both sides", declared: { mode: "host", ports: [port(8080, 8080)] }, mode: "host", vm: { mode: "user", ports: [port(8080, 8080)] } },
];
for (const c of ok) {
  test(c.name, () => {
    const resolved = resolveNetwork(c.declared);
    assert.equal(resolved.mode, c.mode);
    assert.deepEqual(vmNetworkSpec(resolved), c.vm);
  });
}

const refused: { name: string; declared: Network; message: RegExp }[] = [
  { name: "none with ports", declared: { mode: "none", ports: [port(80, 8080)] }, message: /no network card/ },
  { name: "host with another host number", declared: { mode: "host", ports: [port(8080, 18080)] }, message: /same number on the host/ },
  { name: "one host port forwarded twice", declared: { mode: "bridge", ports: [port(80, 9000), port(81, 9000)] }, message: /forwarded twice/ },
];
for (const c of refused) {
  test(`RUN_NETWORK_INVALID: ${c.name}`, () => {
    assert.throws(() => resolveNetwork(c.declared), (e: unknown) => e instanceof MvmError && e.code === "RUN_NETWORK_INVALID" && c.message.test(e.message));
  });
}

test("ps shows a forward as 127.0.0.1:host->guest/proto", () => assert.equal(portText(port(8080, 18080)), "127.0.0.1:18080->8080/tcp"));
