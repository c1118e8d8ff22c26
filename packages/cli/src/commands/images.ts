import { readPolicy, signerOf, type Policy } from "@mvm/admission";
import { listApps, mvmHome, type RegisteredApp } from "@mvm/builder";

export interface ImagesFlags {
  json?: boolean;
}

/** `mvmctl images` (alias `ls`): the built apps in MVM_HOME/apps, read from their manifests (images are not opened). */
export async function imagesCommand(flags: ImagesFlags): Promise<void> {
  const apps = await listApps();
  const policy = readPolicy(mvmHome());
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(apps.map((a) => row(a, policy)))}\n`);
    return;
  }
  if (apps.length === 0) {
    process.stdout.write("no apps built yet: mvmctl build DIR (the output of mvmctl compile --out DIR)\n");
    return;
  }
  const rows = apps.map((a) => {
    const r = row(a, policy);
    return [r.name, `${Math.round(r.size_bytes / 2 ** 20)}M`, r.built_at.replace("T", " ").slice(0, 19), r.ir_hash.slice(0, 12), r.runtime, signerLabel(r.signer)];
  });
  const table = [["NAME", "SIZE", "BUILT", "IR_HASH", "RUNTIME", "SIGNER"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  process.stdout.write(table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") + "\n");
}

function row(app: RegisteredApp, policy: Policy | undefined) {
  const m = app.manifest;
  return {
    name: m.name,
    size_bytes: m.image.size_bytes,
    used_bytes: m.sizes.image_used_bytes,
    built_at: m.built_at,
    ir_hash: m.ir_hash,
    runtime: runtimeLabel(m.runtime),
    /** Who signed the artifacts the image was built from, and whether the policy trusts that key now; null when unsigned. */
    signer: signerOf(m.signature, policy),
    image: app.imagePath,
  };
}

/** "alice 3fa4c2d1e5f60718", "… (untrusted)" when the policy does not trust the key (now), "-" when unsigned. */
export function signerLabel(signer: ReturnType<typeof signerOf>): string {
  return signer ? `${signer.name} ${signer.key_id}${signer.trusted ? "" : " (untrusted)"}` : "-";
}

/** "python 3.13.5", or "node 22.23.5 (+ python 3.13.5)" when the image also has the other runtime. */
export function runtimeLabel(runtime: { language: string; python?: string; node?: string }): string {
  const versions: Record<string, string | undefined> = { python: runtime.python, node: runtime.node };
  const own = versions[runtime.language] ? `${runtime.language} ${versions[runtime.language]}` : runtime.language;
  const others = Object.entries(versions).filter(([k, v]) => v && k !== runtime.language).map(([k, v]) => `${k} ${v}`);
  return others.length ? `${own} (+ ${others.join(", ")})` : own;
}
