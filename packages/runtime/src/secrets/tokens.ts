import { randomBytes } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const RANDOM_CHARS = 26; // 130 bits

/** Every token in a text: `mvm-secret:<secret name>:<26 base32 chars>`. Names cannot hold ':', so it is unambiguous. */
export const TOKEN_PATTERN = /mvm-secret:[a-z0-9][a-z0-9._-]{0,62}:[a-z2-7]{26}/g;

/**
 * A fresh, unguessable token for one secret in one instance: what the guest sees in the env var instead
 * of the value. Recognisable on purpose (a leaked token is easy to spot, and useless off its instance).
 */
export function issueSecretToken(secretName: string): string {
  const bytes = randomBytes(RANDOM_CHARS);
  let random = "";
  for (const b of bytes) random += BASE32[b & 31];
  return `mvm-secret:${secretName}:${random}`;
}

/** The distinct tokens in `text`. */
export function findTokens(text: string): string[] {
  return [...new Set(text.match(TOKEN_PATTERN) ?? [])];
}

/** The secret name a token stands for (whether or not it is a live token). */
export function tokenSecretName(token: string): string {
  return token.split(":")[1] ?? "";
}
