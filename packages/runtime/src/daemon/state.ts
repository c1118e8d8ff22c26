/**
 * An instance's state and its record (`MVM_HOME/instances/<name>/state.json`): everything a restarted
 * daemon needs to re-adopt the VM — pid, sockets, the spec it booted with, its secret tokens — without the
 * app registry, which may have been rebuilt since.
 */
import { randomBytes } from "node:crypto";
import { APP_NAME_PATTERN, LaunchEntrypoint } from "@mvm/ir";
import { MAC_PATTERN } from "@mvm/vmm";
import * as z from "zod";

export const INSTANCE_RECORD_VERSION = 1;

export { InstanceSigner, InstanceState, PortForward, StartTimings, describeState, holdsVm, type InstanceStateKind } from "./instance-state.ts";
import { InstanceSigner, InstanceState, PortForward } from "./instance-state.ts";

/** A `secret_ref` env var and the opaque token this instance's guest sees in it. */
export const SecretToken = z.strictObject({ var: z.string(), secret: z.string(), token: z.string() });
export type SecretToken = z.infer<typeof SecretToken>;


export const InstanceRecord = z.strictObject({
  record_version: z.literal(INSTANCE_RECORD_VERSION),
  name: z.string().regex(APP_NAME_PATTERN),
  /** Short random id: MVM_INSTANCE_ID in the guest, and the socket names under MVM_HOME/run/. */
  id: z.string().regex(/^[a-z2-7]{12}$/),
  app: z.string().regex(APP_NAME_PATTERN),
  ir_hash: z.string(),
  image: z.strictObject({ path: z.string(), sha256: z.string() }),
  kernel: z.strictObject({ path: z.string(), flavour: z.enum(["mvm", "debian-cloud"]), initrd: z.string().optional() }),
  cpus: z.number().int().min(1),
  memory_mb: z.number().int().min(1),
  network: z.strictObject({ mode: z.enum(["none", "bridge", "host"]), ports: z.array(PortForward) }),
  /** The NIC's address (with a network): its own, so clones of one template never share one. */
  mac: z.string().regex(MAC_PATTERN).optional(),
  /** Set when the VM is a clone: the template's key (a re-adopting daemon gives a clone that was still starting its identity). */
  template: z.strictObject({ key: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /** From the image manifest: what `invoke` checks inputs against. */
  entrypoints: z.array(LaunchEntrypoint).min(1),
  secrets: z.array(SecretToken),
  /** null: built from unsigned artifacts. Absent only in records written before signatures were recorded. */
  signer: z.nullable(InstanceSigner).optional(),
  /** The QEMU process, once spawned. */
  pid: z.number().int().positive().nullable(),
  created_at: z.iso.datetime(),
  state: InstanceState,
});
export type InstanceRecord = z.infer<typeof InstanceRecord>;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A `52:54:00:…` NIC address none of `taken` has (QEMU would give every VM the same one). */
export function newMac(taken: ReadonlySet<string>): string {
  for (;;) {
    const mac = `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
    if (!taken.has(mac)) return mac;
  }
}

/** 12 base32 characters (60 random bits): unique per host in practice, short enough for socket paths. */
export function newInstanceId(): string {
  return [...randomBytes(12)].map((b) => BASE32[b & 31]).join("");
}
