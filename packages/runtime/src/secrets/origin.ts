import { MvmError, ORIGIN_PATTERN } from "@mvm/ir";

/** `scheme://host:port` with the port always explicit, so `https://a` and `https://a:443` compare equal. */
export type Origin = string;

/**
 * Parses an operator-given ORIGIN (`https://host[:port]`, or `http://` when written so). Lowercase, no path,
 * no trailing slash: the same rule as a declaration's `secret(hosts=[...])`.
 */
export function parseOrigin(text: string): Origin {
  if (!ORIGIN_PATTERN.test(text)) {
    throw new MvmError("SECRET_BAD_ORIGIN", `${JSON.stringify(text)} is not an origin (scheme://host[:port])`,
      'write "https://host" or "https://host:port": lowercase, no path, no trailing slash ("http://" only for local servers)');
  }
  return originOfUrl(new URL(text));
}

/** The origin a URL talks to, in the same explicit-port form. */
export function originOfUrl(url: URL): Origin {
  const scheme = url.protocol.slice(0, -1);
  const port = url.port || (scheme === "https" ? "443" : "80");
  return `${scheme}://${url.hostname}:${port}`;
}

/** How an origin reads for a person: the default port left out. */
export function displayOrigin(origin: Origin): string {
  return origin.replace(/^(https:\/\/.*):443$/, "$1").replace(/^(http:\/\/.*):80$/, "$1");
}
