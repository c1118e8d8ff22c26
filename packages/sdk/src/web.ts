/**
 * Host-mediated egress from inside the guest: the host performs the request, putting in secret values (the
 * guest holds only tokens) only for origins the operator allowed for each secret, and refusing otherwise.
 */
import { ERROR_CODES, MvmError, type ErrorCode } from "@mvm/ir";

/** What `webFetch` returns: any secret value the server echoed is back to its token. */
export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  /** The final URL, after redirects. */
  url: string;
  redirects: number;
  bytes: Uint8Array;
  text: string;
  json(): unknown;
}

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

type HostRequest = (kind: string, payload: unknown) => Promise<unknown>;

async function hostRequest(kind: "web_fetch" | "web_search", payload: unknown): Promise<unknown> {
  const relay = (globalThis as { mvmHostRequest?: HostRequest }).mvmHostRequest;
  if (typeof relay !== "function") {
    throw new MvmError("RUN_NOT_IN_GUEST", `${kind === "web_fetch" ? "webFetch" : "webSearch"} works only inside an mvm microVM: the host performs the request for the guest`,
      "call it from the function that mvmctl invoke runs");
  }
  try {
    return await relay(kind, payload);
  } catch (err) {
    const m = /^host_request \w+ failed: ([A-Za-z_]+): ([\s\S]*)$/.exec(err instanceof Error ? err.message : String(err));
    const code = (m?.[1] && m[1] in ERROR_CODES ? m[1] : "RUN_HOST_REQUEST_FAILED") as ErrorCode;
    throw new MvmError(code, m?.[2] ?? String(err), undefined, { cause: err });
  }
}

/**
 * Fetches `url` through the host. Put a secret's token (its env var's value) in a header, the URL or the body.
 * @example
 *   const r = await mvm.webFetch("https://api.example.com/v1/me", { headers: { authorization: `Bearer ${process.env.API_KEY}` } });
 */
export async function webFetch(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; timeoutMs?: number } = {}): Promise<WebResponse> {
  const payload: Record<string, unknown> = { url, method: (options.method ?? "GET").toUpperCase() };
  if (options.headers) payload.headers = options.headers;
  if (typeof options.body === "string") payload.body = options.body;
  else if (options.body) payload.body_b64 = Buffer.from(options.body).toString("base64");
  if (options.timeoutMs !== undefined) payload.timeout_ms = options.timeoutMs;
  const reply = (await hostRequest("web_fetch", payload)) as { status: number; headers: Record<string, string>; url: string; redirects: number; body?: string; body_b64?: string };
  const bytes = reply.body_b64 !== undefined ? Buffer.from(reply.body_b64, "base64") : Buffer.from(reply.body ?? "", "utf8");
  const text = bytes.toString("utf8");
  return { status: reply.status, headers: reply.headers, url: reply.url, redirects: reply.redirects, bytes: new Uint8Array(bytes), text, json: () => JSON.parse(text) };
}

/** Searches the web through the host's configured provider. */
export async function webSearch(query: string, options: { maxResults?: number } = {}): Promise<SearchResult[]> {
  return (await hostRequest("web_search", { query, max_results: options.maxResults ?? 5 })) as SearchResult[];
}
