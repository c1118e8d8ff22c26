/**
 * The snapshot template format (docs/snapshots.md holds its version table): a directory
 * `MVM_CACHE_DIR/templates/<key>/` with the guest's RAM (`ram`, sparse), its device state (`state`) and
 * `template.json`, which names what the template was made from and the size and sha256 of each file. A
 * template's files never change once published; it is replaced only by a rename of the whole directory.
 */
import * as z from "zod";

/** Moves whenever a template made by an older mvm could restore wrongly; part of every key. */
export const TEMPLATE_FORMAT_VERSION = 1;
export const TEMPLATE_MANIFEST_FILE = "template.json";
export const RAM_FILE = "ram";
export const STATE_FILE = "state";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** Everything a template depends on. The key is the sha256 of these, in canonical JSON. */
export const TemplateKeyParts = z.strictObject({
  format_version: z.literal(TEMPLATE_FORMAT_VERSION),
  image_sha256: sha256,
  kernel_sha256: sha256,
  /** Debian kernels boot with an initramfs; ours with none. */
  initrd_sha256: sha256.nullable(),
  agent_sha256: sha256,
  cpus: z.number().int().min(1),
  memory_mb: z.number().int().min(1),
  accelerator: z.enum(["tcg", "kvm"]),
  network: z.strictObject({
    mode: z.enum(["none", "bridge", "host"]),
    ports: z.array(z.strictObject({ guest: z.number().int(), host: z.number().int(), proto: z.enum(["tcp", "udp"]) })),
  }),
  kernel_cmdline: z.string(),
  /** `qemu-system-x86_64 --version`'s first line: device state restores only into the VMM that saved it. */
  vmm_version: z.string(),
  /** The VMM command line with this VM's paths and MAC as placeholders: the machine a clone must match. */
  machine_args: z.array(z.string()),
  /** Under KVM the guest sees the host CPU (`-cpu host`): its model and a hash of its flags. */
  host_cpu: z.string().nullable(),
});
export type TemplateKeyParts = z.infer<typeof TemplateKeyParts>;

const FileRecord = z.strictObject({ bytes: z.number().int().min(1), sha256 });

export const TemplateManifest = z.strictObject({
  format_version: z.literal(TEMPLATE_FORMAT_VERSION),
  key: sha256,
  parts: TemplateKeyParts,
  /** The app it was made for (informative: the key is what matches; apps with one image share it). */
  app: z.string(),
  ir_hash: sha256,
  /** The entrypoint language the runner imported. */
  language: z.enum(["python", "command"]),
  files: z.strictObject({ ram: FileRecord, state: FileRecord }),
  /** Blocks the sparse RAM file really occupies. */
  ram_used_bytes: z.number().int().min(0),
  created_at: z.iso.datetime(),
  /** The template VM's cold boot to READY, and saving its state. */
  boot_ms: z.number().min(0),
  save_ms: z.number().min(0),
  /** Whether the template was warmed with one no-input call, and why not when it was not. */
  warm_call: z.strictObject({ ran: z.boolean(), note: z.string() }),
  /** hello_ok.agent of the template VM's agent. */
  agent: z.string(),
});
export type TemplateManifest = z.infer<typeof TemplateManifest>;
