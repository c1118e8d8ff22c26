// A template directory on disk as makeTemplate leaves it (files + template.json), without a VM: for the tests
// of the store and the verification, which read real files.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TEMPLATE_FORMAT_VERSION, type TemplateKeyParts, type TemplateManifest } from "./format.ts";
import { templateKey } from "./key.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export function keyParts(imageSha = "a".repeat(64)): TemplateKeyParts {
  return {
    format_version: TEMPLATE_FORMAT_VERSION, image_sha256: imageSha, kernel_sha256: "b".repeat(64), initrd_sha256: null,
    agent_sha256: "c".repeat(64), cpus: 1, memory_mb: 256, accelerator: "tcg", network: { mode: "none", ports: [] },
    kernel_cmdline: "console=ttyS0", vmm_version: "QEMU emulator version 7.2.22", machine_args: ["-m", "256"], host_cpu: null,
  };
}

/** Writes a template for `parts` under `templatesDir`; returns its key and manifest. */
export async function writeTemplate(templatesDir: string, parts = keyParts(), ram = Buffer.alloc(64 * 1024, 7), state = Buffer.from("device state")) {
  const key = templateKey(parts);
  const dir = join(templatesDir, key);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "ram"), ram);
  await writeFile(join(dir, "state"), state);
  const manifest: TemplateManifest = {
    format_version: TEMPLATE_FORMAT_VERSION, key, parts, app: "demo", ir_hash: "d".repeat(64), language: "python",
    files: { ram: { bytes: ram.length, sha256: sha(ram) }, state: { bytes: state.length, sha256: sha(state) } },
    ram_used_bytes: ram.length, created_at: new Date().toISOString(), boot_ms: 1, save_ms: 1,
    warm_call: { ran: false, note: "test" }, agent: "mvm-agent/test",
  };
  await writeFile(join(dir, "template.json"), JSON.stringify(manifest));
  return { key, dir, manifest };
}
