/** The review for a person: one section per thing the workload gets, each value as it will be. */
import type { OwnedHook } from "@mvm/admission";
import type { Review } from "./collect.ts";
import type { TrippedGate } from "./gates.ts";

const PHASES = ["before_build", "before_start", "after_start", "before_stop"] as const;
const PHASE_RUNS: Record<(typeof PHASES)[number], string> = {
  before_build: "in the builder VM, once, at build",
  before_start: "at every boot, before the function",
  after_start: "polled until exit 0 before READY",
  before_stop: "at shutdown",
};

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

function signatureLine(s: Review["signature"]): string {
  switch (s.status) {
    case "unsigned":
      return "unsigned (no signature.json)";
    case "invalid":
      return `REFUSED: error[${s.code}] ${s.problem.replaceAll("\n", "\n              ")}`;
    case "valid":
      return `by ${s.signer.name} (key ${s.signer.key_id}) at ${s.signed_at}, over exactly these artifacts; ${s.trusted_as ? `the policy trusts the key as ${s.trusted_as}` : "the policy does not trust the key"}`;
  }
}

function hookText(h: OwnedHook): string {
  return h.command.kind === "shell" ? `sh: ${h.command.line}` : `argv ${JSON.stringify(h.command.argv)}`;
}

function entrypointText(e: Review["entrypoints"][number]): string {
  if (e.kind === "command") return `command ${JSON.stringify(e.command)} in ${e.working_dir}`;
  const params = e.params?.map((p) => `${p.name}${p.type ? `: ${p.type}` : ""}${p.has_default ? "=…" : ""}`).join(", ") ?? "…";
  return `${e.language} function ${e.module}.${e.function}(${params})${e.primary ? " (primary)" : ""} in ${e.working_dir}`;
}

export function renderReview(r: Review, gates: { checked: readonly string[]; tripped: readonly TrippedGate[] }): string {
  const out: string[] = [];
  const section = (title: string, first: string, rest: string[] = []) => out.push(`${title.padEnd(12)}${first}`.trimEnd(), ...rest.map((l) => `  ${l}`));

  out.push(`review of ${r.dir}: app ${r.app}, ir_hash ${r.ir_hash}`, "");
  section("signature", signatureLine(r.signature));
  section("entrypoint", entrypointText(r.entrypoints[0] as Review["entrypoints"][number]), r.entrypoints.slice(1).map(entrypointText));

  const unknown = r.image.layers.filter((l) => !l.cached);
  section("image", `${r.image.provider}${r.image.suite ? ` ${r.image.suite}` : ""}, declared: ${r.image.declared.join(" ") || "(nothing)"}`, [
    ...r.image.packages.map((p) => {
      const what = p.attribute ? `${p.attribute} → ${p.package}` : `${p.package} (in every image)`;
      const where = p.provider === "npm" ? "npm" : `debian ${p.suite ?? r.image.suite ?? ""}`.trim();
      return `${what} ${p.version ?? "(version not known yet)"} [${where}]${p.added ? " added: the entrypoint needs it" : ""}`;
    }),
    ...r.image.substitutions.map((s) => `substituted: ${s.attribute} asked for ${s.requested}, gets ${s.resolved} (${s.reason})`),
    ...(unknown.length ? [`versions unknown for the ${unknown.map((l) => `${l.name} layer`).join(" and ")}: not in the cache yet (mvmctl build resolves and caches them)${unknown.map((l) => (l.note ? `; ${l.note}` : "")).join("")}`] : []),
  ]);
  section("resources", `${r.resources.cpu_cores} cpu, ${r.resources.memory_mb} MiB memory, ${r.resources.rootfs_size_mb} MiB root disk`);
  section("network", r.network.mode === "none" ? `none (no network interface)${r.network.declared ? "" : ", not declared"}` : `${r.network.mode}`,
    r.network.ports.map((p) => `port: guest ${p.guest} → host 127.0.0.1:${p.host}/${p.proto}`));

  const literals = Object.entries(r.env.literals);
  section("env", literals.length ? "" : "(no literals)", literals.map(([k, v]) => `${k}=${JSON.stringify(v)}`));
  section("secrets", r.env.secrets.length ? "" : "(none)", r.env.secrets.flatMap((s) => [
    `${s.var} ← secret ${s.name} (${s.set ? "set on this host" : "no value on this host yet"})`,
    `  requests: ${s.requested_hosts.join(" ") || "(no origin)"}; allowed: ${s.allowed_origins.join(" ") || "(none)"}`,
    ...(s.allow_command ? [`  not yet allowed: ${s.not_allowed.join(" ")} → ${s.allow_command}`] : []),
  ]));

  section("hooks", Object.keys(r.hooks).length ? "" : "(none)", PHASES.flatMap((phase) => {
    const list = r.hooks[phase] ?? [];
    return list.length ? [`${phase} (${PHASE_RUNS[phase]}):`, ...list.map((h, i) => `  ${i + 1}. ${h.owner}: ${hookText(h)}`)] : [];
  }));

  section("files", `${r.files.count} in source/, ${bytes(r.files.total_bytes)}`, r.files.largest.length ? [`largest: ${r.files.largest.map((f) => `${f.path} ${bytes(f.bytes)}`).join(", ")}`] : []);
  if (gates.checked.length) {
    section("gates", gates.tripped.length ? `FAILED ${gates.tripped.map((t) => `${t.gate} (${t.why})`).join("; ")}` : `passed: ${gates.checked.join(", ")}`);
  }
  return `${out.join("\n")}\n`;
}
