/**
 * The IR's network declaration → what the VMM attaches (docs/networking.md):
 * - absent, null or `none`: no NIC at all; the guest has only `lo`.
 * - `bridge`: user-mode (slirp) networking; each declared port is forwarded from 127.0.0.1:`host` to the
 *   guest's `guest` port.
 * - `host`: the same user-mode networking with the same port number on both sides.
 * Neither mode puts the guest on a host bridge or TAP device (that needs root); the names follow the IR.
 */
import { MvmError } from "@mvm/ir/errors";
import type { Network } from "@mvm/ir";
import type { NetworkSpec, PortForward } from "@mvm/vmm";

export interface ResolvedNetwork {
  mode: "none" | "bridge" | "host";
  ports: PortForward[];
}

/** Checks a declaration and returns the mode and forwards `up` records and `ps` shows. */
export function resolveNetwork(declared: Network | null): ResolvedNetwork {
  if (!declared || declared.mode === "none") {
    if (declared && declared.ports.length > 0) {
      throw new MvmError("RUN_NETWORK_INVALID",
        `network mode "none" has no network card, so its ports ${declared.ports.map(portText).join(", ")} cannot be forwarded`,
        'declare mvm.network(mode="bridge", ports=[...]) to forward ports, or drop the ports');
    }
    return { mode: "none", ports: [] };
  }
  if (declared.mode === "host") {
    const moved = declared.ports.find((p) => p.host !== p.guest);
    if (moved) {
      throw new MvmError("RUN_NETWORK_INVALID",
        `network mode "host" forwards each port to the same number on the host, but port ${portText(moved)} asks for another`,
        `drop "host": ${moved.host} (host mode uses ${moved.guest}), or use mode "bridge" to map ports`);
    }
  }
  const seen = new Set<string>();
  for (const p of declared.ports) {
    const key = `${p.proto}:${p.host}`;
    if (seen.has(key)) {
      throw new MvmError("RUN_NETWORK_INVALID", `host port ${p.host}/${p.proto} is forwarded twice`, "give each forwarded port its own host number");
    }
    seen.add(key);
  }
  return { mode: declared.mode, ports: declared.ports.map((p) => ({ guest: p.guest, host: p.host, proto: p.proto })) };
}

/** The VMM's view: both bridge and host are user-mode networking with forwards on 127.0.0.1. */
export function vmNetworkSpec(network: ResolvedNetwork, mac?: string): NetworkSpec {
  return network.mode === "none" ? { mode: "none" } : { mode: "user", ports: network.ports, ...(mac ? { mac } : {}) };
}

/** `127.0.0.1:18080->8080/tcp`, as `ps` shows a forward. */
export function portText(p: PortForward): string {
  return `127.0.0.1:${p.host}->${p.guest}/${p.proto}`;
}
