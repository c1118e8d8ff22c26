/**
 * Putting values in and taking them back out. A value goes into a request in the encoding its place needs
 * (percent-encoded in a URL, JSON-escaped in a JSON body); whatever comes back is scrubbed of the value in
 * every encoding a server plausibly echoes it in, each replaced by the same encoding of the token, so the
 * guest sees well-formed data holding only its token.
 */

export interface Release {
  token: string;
  secret: string;
  value: string;
}

const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** [encoded value, the same encoding of the token], longest value form first. */
function encodedForms(r: Release): [Buffer, Buffer][] {
  const encodings: ((s: string) => string)[] = [
    (s) => s,
    (s) => JSON.stringify(s).slice(1, -1),
    encodeURIComponent,
    formEncode,
    b64,
    (s) => b64(s).replace(/=+$/, ""),
    (s) => Buffer.from(s, "utf8").toString("base64url"),
  ];
  const pairs = encodings.map((enc): [Buffer, Buffer] => [Buffer.from(enc(r.value)), Buffer.from(enc(r.token))]);
  const seen = new Set<string>();
  return pairs.filter(([v]) => v.length > 0 && !seen.has(v.toString("latin1")) && seen.add(v.toString("latin1")))
    .sort((a, b) => b[0].length - a[0].length);
}

function replaceAll(data: Buffer, from: Buffer, to: Buffer): Buffer {
  let at = data.indexOf(from);
  if (at < 0) return data;
  const parts: Buffer[] = [];
  let start = 0;
  while (at >= 0) {
    parts.push(data.subarray(start, at), to);
    start = at + from.length;
    at = data.indexOf(from, start);
  }
  parts.push(data.subarray(start));
  return Buffer.concat(parts);
}

/** Replaces every released value, in every encoding, by its token. */
export function scrubBytes(data: Buffer, releases: readonly Release[]): Buffer {
  let out = data;
  for (const r of releases) for (const [value, token] of encodedForms(r)) out = replaceAll(out, value, token);
  return out;
}

export function scrubText(text: string, releases: readonly Release[]): string {
  return releases.length ? scrubBytes(Buffer.from(text, "utf8"), releases).toString("utf8") : text;
}

/** Where a token sits decides how its value is written there. */
export type Placement = "url" | "header" | "json" | "form" | "raw";

const ENCODERS: Record<Placement, (s: string) => string> = {
  url: encodeURIComponent,
  header: (s) => s,
  json: (s) => JSON.stringify(s).slice(1, -1),
  form: formEncode,
  raw: (s) => s,
};

export function substitute(text: string, releases: readonly Release[], placement: Placement): string {
  let out = text;
  for (const r of releases) out = out.split(r.token).join(ENCODERS[placement](r.value));
  return out;
}

export function substituteBytes(data: Buffer, releases: readonly Release[], placement: Placement): Buffer {
  let out = data;
  for (const r of releases) out = replaceAll(out, Buffer.from(r.token), Buffer.from(ENCODERS[placement](r.value)));
  return out;
}
