/**
 * The release decision for one outbound request, before anything is sent: which of this instance's tokens it
 * carries, whether the operator allows each one's secret at this origin (or, with none, whether plain egress
 * to it is allowed), and the values to put in. Every refusal is an MvmError naming the secret and the host.
 */
import { MvmError } from "@mvm/ir";
import { egressAllowlist } from "./egress-policy.ts";
import { displayOrigin, originOfUrl, type Origin } from "./origin.ts";
import type { Release } from "./scrub.ts";
import { isAllowed, secretInfo, secretValue, notSet } from "./store.ts";
import { findTokens, tokenSecretName } from "./tokens.ts";

/** A request as the guest wrote it: tokens, never values. */
export interface TokenRequest {
  url: URL;
  method: string;
  headers: [string, string][];
  body: Buffer | null;
}

export interface Decision {
  origin: Origin;
  /** Secret names released to this origin, sorted. */
  secrets: string[];
  releases: Release[];
}

/** Refusals carry the secrets they are about, so the audit log names them without parsing messages. */
export class Refusal extends MvmError {
  constructor(code: ConstructorParameters<typeof MvmError>[0], message: string, hint: string, readonly secrets: string[], readonly origin: Origin | null) {
    super(code, message, hint);
  }
}

function placementError(message: string, token: string): Refusal {
  return new Refusal("SECRET_TOKEN_PLACEMENT", message, "put the token in a header value, the URL's path or query, or the body", [tokenSecretName(token)], null);
}

/**
 * `earlier` holds origins this same fetch already sent a secret to: a redirect back to one of them that no
 * longer carries a token (303 dropped the body) is not plain egress to a new host.
 */
export function decide(req: TokenRequest, tokens: ReadonlyMap<string, string>, earlier: ReadonlySet<Origin> = new Set()): Decision {
  const origin = originOfUrl(req.url);
  const host = displayOrigin(origin);
  const inUserinfo = findTokens(decodeURIComponent(`${req.url.username}:${req.url.password}`));
  if (inUserinfo[0]) throw placementError(`a secret token is in the URL's userinfo; it is never substituted there (request to ${host})`, inUserinfo[0]);
  for (const [name] of req.headers) {
    const t = findTokens(name)[0];
    if (t) throw placementError(`a secret token is in a header name; only header values are substituted (request to ${host})`, t);
  }
  const found = findTokens([req.url.href, ...req.headers.map(([, v]) => v), req.body?.toString("latin1") ?? ""].join("\n"));
  const unknown = found.filter((t) => !tokens.has(t));
  if (unknown[0]) {
    const name = tokenSecretName(unknown[0]);
    throw new Refusal("SECRET_UNKNOWN_TOKEN", `the request to ${host} carries a token for "${name}" that is not this instance's (another instance's, or one from before a restart or down); it releases nothing`,
      "use the token from this instance's own environment", [name], origin);
  }
  const secrets = [...new Set(found.map((t) => tokens.get(t) as string))].sort();
  if (secrets.length === 0) {
    if (!earlier.has(origin) && !egressAllowlist().includes(origin)) {
      throw new Refusal("SECRET_EGRESS_DENIED", `host-mediated egress to ${host} is not allowed on this host`, `allow it: mvmctl egress allow ${host}`, [], origin);
    }
    return { origin, secrets, releases: [] };
  }
  for (const name of secrets) {
    if (!isAllowed(name, origin)) {
      throw new Refusal("SECRET_ORIGIN_NOT_ALLOWED", `the secret "${name}" may not be sent to ${host}; nothing was sent`,
        `if ${host} should receive it, the operator allows it: mvmctl secret allow ${name} ${host}`, [name], origin);
    }
    if (!secretInfo(name)?.isSet) {
      const err = notSet(name);
      throw new Refusal("SECRET_NOT_SET", err.message, err.hint ?? "", [name], origin);
    }
  }
  return { origin, secrets, releases: found.map((token) => ({ token, secret: tokens.get(token) as string, value: secretValue(tokens.get(token) as string) })) };
}
