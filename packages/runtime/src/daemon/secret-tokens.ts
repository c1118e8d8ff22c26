/**
 * Per-instance secret tokens at `up` (DESIGN.md §6, docs/secrets.md): every `secret_ref` env var gets a fresh
 * token from the secrets module, kept in the instance record (so a re-adopted instance keeps it) and sent in
 * the `configure` frame; the raw value never leaves the host store. `up` warns about what would make a
 * release fail later: a secret with no value, an origin the declaration requests that the operator has not
 * allowed, and a network mode in which the guest's own HTTPS is no substitution path.
 */
import type { EnvValue } from "@mvm/ir";
import { displayOrigin, issueSecretToken, parseOrigin, secretInfo } from "../secrets/index.ts";
import type { SecretToken } from "./state.ts";

/** One token per secret_ref env var, in the env's key order. */
export function issueSecretTokens(env: Record<string, EnvValue>): SecretToken[] {
  return Object.entries(env).flatMap(([variable, value]) =>
    value.kind === "secret_ref" ? [{ var: variable, secret: value.ref.name, token: issueSecretToken(value.ref.name) }] : []);
}

/** What `up` warns about for these secrets (none when every secret is set and every requested origin allowed). */
export function secretWarnings(env: Record<string, EnvValue>, networkMode: "none" | "bridge" | "host"): string[] {
  const warnings: string[] = [];
  const refs = Object.entries(env).flatMap(([variable, v]) => (v.kind === "secret_ref" ? [{ variable, ref: v.ref }] : []));
  for (const { variable, ref } of refs) {
    const info = secretInfo(ref.name);
    if (!info?.isSet) {
      warnings.push(`secret "${ref.name}" has no value yet: ${variable} gets its token, and releasing it fails until it is set (mvmctl secret set ${ref.name})`);
    }
    const allowed = new Set((info?.allowed ?? []).map((o) => parseOrigin(o)));
    const missing = (ref.hosts ?? []).filter((h) => !allowed.has(parseOrigin(h)));
    if (missing.length > 0) {
      const shown = missing.map((h) => displayOrigin(parseOrigin(h)));
      warnings.push(`secret "${ref.name}" requests ${shown.join(", ")}, not allowed by the operator yet (mvmctl secret allow ${ref.name} ${shown.join(" ")})`);
    }
  }
  if (refs.length > 0 && networkMode !== "none") {
    warnings.push(`network mode "${networkMode}" lets the guest make its own connections, and those never carry secret values: only mvm.web_fetch/web_search substitute them`);
  }
  return warnings;
}

/** The env the guest gets for its secrets: each variable holds its token. */
export function secretEnv(tokens: readonly SecretToken[]): Record<string, string> {
  return Object.fromEntries(tokens.map((t) => [t.var, t.token]));
}

/** token → secret name, what host-mediated egress checks a request's tokens against. */
export function tokenMap(tokens: readonly SecretToken[]): Map<string, string> {
  return new Map(tokens.map((t) => [t.token, t.secret]));
}
