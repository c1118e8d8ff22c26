/**
 * Per-instance secret tokens (DESIGN.md §6): every `secret_ref` in the app's env becomes
 * `mvm-secret:<secret name>:<random>` in the guest, never the raw value. Tokens are issued at `up`, kept in
 * the instance record (so a re-adopted instance keeps them) and sent in the `configure` frame. The store
 * that maps them back to values, and releases them only to allowed hosts, is the secrets issue's.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EnvValue } from "@mvm/ir";
import type { SecretToken } from "./state.ts";

/** A fresh token for `secret`: 192 random bits, base64url. */
export function newSecretToken(secret: string): string {
  return `mvm-secret:${secret}:${randomBytes(24).toString("base64url")}`;
}

/** One token per secret_ref env var, in the env's key order. */
export function issueSecretTokens(env: Record<string, EnvValue>): SecretToken[] {
  return Object.entries(env).flatMap(([variable, value]) =>
    value.kind === "secret_ref" ? [{ var: variable, secret: value.ref.name, token: newSecretToken(value.ref.name) }] : []);
}

/** Whether the host store holds a value for `secret` (one 0600 file per secret under `secretsDir`). */
export function isSecretSet(secretsDir: string, secret: string): boolean {
  return existsSync(join(secretsDir, secret));
}

/** The env the guest gets for its secrets: each variable holds its token. */
export function secretEnv(tokens: SecretToken[]): Record<string, string> {
  return Object.fromEntries(tokens.map((t) => [t.var, t.token]));
}
