/**
 * `mvmctl review DIR`'s document: what the workload will get, composed from three stages that must not
 * import one another — the compile artifact and its signature (@mvm/admission), what the image's packages
 * resolve to (@mvm/builder, from the layers it has cached), and what the operator allows each secret
 * (@mvm/runtime's secret store). The CLI is the one place allowed to import all three.
 */
import type { ArtifactDescription, OwnedHook, SignatureStatus } from "@mvm/admission";
import type { PackagePlan } from "@mvm/builder";

export interface SecretReview {
  var: string;
  name: string;
  /** Whether the host store has a value for it. */
  set: boolean;
  requested_hosts: string[];
  allowed_origins: string[];
  /** Requested but not (yet) allowed by the operator. */
  not_allowed: string[];
  /** The command that allows what is requested and not yet allowed; null when nothing is missing. */
  allow_command: string | null;
}

export interface Review {
  app: string;
  dir: string;
  ir_hash: string;
  signature: SignatureStatus;
  entrypoints: ArtifactDescription["entrypoints"];
  image: { declared: string[] } & PackagePlan;
  resources: ArtifactDescription["resources"];
  network: { mode: "none" | "bridge" | "host"; declared: boolean; ports: NonNullable<ArtifactDescription["network"]>["ports"] };
  env: { literals: Record<string, string>; secrets: SecretReview[] };
  hooks: Partial<Record<string, OwnedHook[]>>;
  files: ArtifactDescription["files"];
}

export async function collectReview(dir: string, opts: { home: string; strict: boolean }): Promise<Review> {
  const admission = await import("@mvm/admission");
  const files = await admission.readArtifact(dir);
  // Judge the signature on the raw bytes first, as build does; then the artifacts must agree to be described.
  const signature = admission.inspectSignature(files, opts.home);
  const output = admission.checkCompileOutput(files);
  const d = admission.describeArtifact(output);
  const { planImagePackages } = await import("@mvm/builder");
  const plan = planImagePackages(output.launch, { strict: opts.strict });
  const secrets = d.env.secrets.length ? await secretReviews(d.env.secrets) : [];
  return {
    app: d.app,
    dir: d.dir,
    ir_hash: d.ir_hash,
    signature,
    entrypoints: d.entrypoints,
    image: { declared: d.image_packages, ...plan },
    resources: d.resources,
    network: { mode: d.network?.mode ?? "none", declared: d.network !== null, ports: d.network?.ports ?? [] },
    env: { literals: d.env.literals, secrets },
    hooks: d.hooks,
    files: d.files,
  };
}

async function secretReviews(requests: ArtifactDescription["env"]["secrets"]): Promise<SecretReview[]> {
  const { displayOrigin, parseOrigin, secretInfo } = await import("@mvm/runtime");
  return requests.map((r) => {
    const info = secretInfo(r.name);
    const allowed = new Set((info?.allowed ?? []).map((o) => parseOrigin(o)));
    const notAllowed = r.requested_hosts.filter((h) => !allowed.has(parseOrigin(h))).map((h) => displayOrigin(parseOrigin(h)));
    return {
      var: r.var,
      name: r.name,
      set: info?.isSet ?? false,
      requested_hosts: r.requested_hosts,
      allowed_origins: info?.allowed ?? [],
      not_allowed: notAllowed,
      allow_command: notAllowed.length ? `mvmctl secret allow ${r.name} ${notAllowed.join(" ")}` : null,
    };
  });
}
