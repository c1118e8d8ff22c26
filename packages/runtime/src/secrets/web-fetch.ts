/**
 * `web_fetch` on a guest's behalf (PROTOCOL.md host_request kind "web_fetch"): the request arrives holding
 * tokens; each hop is decided (request-policy.ts), has values put in where allowed, is sent with size and
 * time caps, and the response comes back with every value turned into its token again. Redirects are
 * followed by hand so each hop's origin is re-checked.
 */
import { MvmError } from "@mvm/ir";
import * as z from "zod";
import { appendAudit } from "./audit.ts";
import { sendOnce } from "./http-client.ts";
import { decide, Refusal, type Decision, type TokenRequest } from "./request-policy.ts";
import { scrubBytes, scrubText, substitute, substituteBytes, type Placement, type Release } from "./scrub.ts";

export const WEB_FETCH_LIMITS = {
  maxRequestBodyBytes: 1024 * 1024,
  maxResponseBytes: 8 * 1024 * 1024,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 120_000,
  maxRedirects: 5,
} as const;

const noControls = (s: string) => !/[\r\n\u0000]/.test(s);
export const WebFetchPayload = z.strictObject({
  url: z.string().min(1).max(8192),
  method: z.string().regex(/^[A-Z]{1,16}$/).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/), z.string().max(16 * 1024).refine(noControls, "no CR, LF or NUL")).optional(),
  body: z.string().optional(),
  body_b64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).optional(),
  timeout_ms: z.number().int().min(1).max(WEB_FETCH_LIMITS.maxTimeoutMs).optional(),
});
export type WebFetchPayload = z.infer<typeof WebFetchPayload>;

export interface WebFetchResult {
  status: number;
  headers: Record<string, string>;
  /** The body as text when it is UTF-8; else `body_b64`. */
  body?: string;
  body_b64?: string;
  /** The final URL (after redirects), in token form. */
  url: string;
  redirects: number;
}

/** Headers the host sets itself; a guest giving them would confuse framing or routing. */
const HOST_OWNED = new Set(["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive"]);

function parseRequest(payload: unknown): { req: TokenRequest; timeoutMs: number } {
  const p = WebFetchPayload.safeParse(payload);
  if (!p.success) throw new MvmError("SECRET_BAD_REQUEST", `web_fetch: ${p.error.issues[0]?.path.join(".") || "request"}: ${p.error.issues[0]?.message}`);
  let url: URL;
  try {
    url = new URL(p.data.url);
  } catch {
    throw new MvmError("SECRET_BAD_REQUEST", `web_fetch: ${JSON.stringify(p.data.url.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new MvmError("SECRET_BAD_REQUEST", `web_fetch: only http and https URLs, not ${url.protocol}`);
  const headers = Object.entries(p.data.headers ?? {}).map(([k, v]): [string, string] => [k.toLowerCase(), v]);
  const owned = headers.find(([k]) => HOST_OWNED.has(k));
  if (owned) throw new MvmError("SECRET_BAD_REQUEST", `web_fetch: the ${owned[0]} header is set by the host`);
  if (p.data.body !== undefined && p.data.body_b64 !== undefined) throw new MvmError("SECRET_BAD_REQUEST", "web_fetch: give body or body_b64, not both");
  const body = p.data.body !== undefined ? Buffer.from(p.data.body, "utf8") : p.data.body_b64 !== undefined ? Buffer.from(p.data.body_b64, "base64") : null;
  if (body && body.length > WEB_FETCH_LIMITS.maxRequestBodyBytes) {
    throw new MvmError("SECRET_BAD_REQUEST", `web_fetch: the body is ${body.length} bytes; the limit is ${WEB_FETCH_LIMITS.maxRequestBodyBytes}`);
  }
  return { req: { url, method: p.data.method ?? "GET", headers, body }, timeoutMs: p.data.timeout_ms ?? WEB_FETCH_LIMITS.defaultTimeoutMs };
}

function bodyPlacement(headers: [string, string][]): Placement {
  const type = headers.find(([k]) => k === "content-type")?.[1].toLowerCase() ?? "";
  if (/\bjson\b/.test(type)) return "json";
  if (type.includes("application/x-www-form-urlencoded")) return "form";
  return "raw";
}

/** The next hop's request after a redirect, still in token form (RFC 9110 §15.4: 303, and 301/302 for POST, become GET). */
function redirected(req: TokenRequest, status: number, location: string, releases: readonly Release[]): TokenRequest {
  const url = new URL(scrubText(location, releases), req.url);
  const toGet = status === 303 || ((status === 301 || status === 302) && req.method === "POST");
  if (!toGet) return { ...req, url };
  return { url, method: req.method === "HEAD" ? "HEAD" : "GET", headers: req.headers.filter(([k]) => k !== "content-type"), body: null };
}

/**
 * Performs one guest web_fetch for `instance`, whose live tokens are `tokens` (token → secret name).
 * Every outcome is audited; a refusal sends nothing.
 */
export async function webFetch(payload: unknown, instance: string, tokens: ReadonlyMap<string, string>): Promise<WebFetchResult> {
  const { req: first, timeoutMs } = parseRequest(payload);
  const deadline = Date.now() + timeoutMs;
  let req = first;
  let decision: Decision | undefined;
  const released = new Map<string, Release>();
  const releasedTo = new Set<string>();
  const audit = (outcome: "released" | "sent" | "refused", status: number | null, reason?: string) =>
    appendAudit({ instance, kind: "web_fetch", outcome, secrets: decision?.secrets ?? [], origin: decision?.origin ?? null, method: req.method, status, ...(reason ? { reason } : {}) });
  for (let hop = 0; ; hop++) {
    try {
      decision = decide(req, tokens, releasedTo);
    } catch (err) {
      if (err instanceof Refusal) appendAudit({ instance, kind: "web_fetch", outcome: "refused", secrets: err.secrets, origin: err.origin, method: req.method, status: null, reason: err.code });
      throw hop > 0 && err instanceof MvmError ? new MvmError(err.code, `after a redirect to ${req.url.origin}: ${err.message}`, err.hint) : err;
    }
    for (const r of decision.releases) released.set(r.token, r);
    if (decision.releases.length) releasedTo.add(decision.origin);
    const all = [...released.values()];
    const url = new URL(substitute(req.url.href, decision.releases, "url"));
    const headers = req.headers.map(([k, v]): [string, string] => [k, substitute(v, decision!.releases, "header")]);
    const body = req.body && substituteBytes(req.body, decision.releases, bodyPlacement(req.headers));
    const shownUrl = `${req.url.origin}${req.url.pathname.length > 60 ? `${req.url.pathname.slice(0, 60)}…` : req.url.pathname}`;
    let res;
    try {
      res = await sendOnce(url, req.method, headers, body, { deadline, maxBytes: WEB_FETCH_LIMITS.maxResponseBytes, shownUrl: scrubText(shownUrl, all) });
    } catch (err) {
      audit(decision.secrets.length ? "released" : "sent", null, err instanceof MvmError ? err.code : "SECRET_FETCH_FAILED");
      throw err;
    }
    const location = res.headers.find(([k]) => k === "location")?.[1];
    if (location && [301, 302, 303, 307, 308].includes(res.status)) {
      audit(decision.secrets.length ? "released" : "sent", res.status);
      if (hop + 1 > WEB_FETCH_LIMITS.maxRedirects) throw new MvmError("SECRET_FETCH_FAILED", `more than ${WEB_FETCH_LIMITS.maxRedirects} redirects from ${first.url.origin}`);
      req = redirected(req, res.status, location, all);
      continue;
    }
    audit(decision.secrets.length ? "released" : "sent", res.status);
    const scrubbed = scrubBytes(res.body, all);
    const text = new TextDecoder("utf-8", { fatal: true });
    let bodyText: string | undefined;
    try {
      bodyText = text.decode(scrubbed);
    } catch {
      bodyText = undefined;
    }
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of res.headers) outHeaders[k] = k in outHeaders ? `${outHeaders[k]}, ${scrubText(v, all)}` : scrubText(v, all);
    return {
      status: res.status, headers: outHeaders, url: req.url.href, redirects: hop,
      ...(bodyText !== undefined ? { body: bodyText } : { body_b64: scrubbed.toString("base64") }),
    };
  }
}
