import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { MvmError } from "@mvm/ir";

export interface HopResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

function headerPairs(h: IncomingHttpHeaders): [string, string][] {
  return Object.entries(h).flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]]));
}

/**
 * Sends one HTTP request (no redirect following, no proxy from the environment, TLS verified) and reads the
 * whole response, failing with SECRET_FETCH_TOO_LARGE past `maxBytes` and SECRET_FETCH_TIMEOUT at `deadline`.
 * Errors name only `shownUrl` (the token form), never the URL that was sent.
 */
export function sendOnce(
  url: URL, method: string, headers: [string, string][], body: Buffer | null,
  opts: { deadline: number; maxBytes: number; shownUrl: string },
): Promise<HopResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const remaining = Math.max(1, opts.deadline - Date.now());
    const outgoing: Record<string, string[]> = {};
    for (const [k, v] of headers) (outgoing[k] ??= []).push(v);
    if (body) outgoing["content-length"] = [String(body.length)];
    const req = send(url, { method, headers: outgoing, agent: false, signal: AbortSignal.timeout(remaining) }, (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) {
          req.destroy();
          reject(new MvmError("SECRET_FETCH_TOO_LARGE", `the response from ${opts.shownUrl} is larger than ${opts.maxBytes} bytes`, "ask for less (a range, a page)"));
          return;
        }
        parts.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: headerPairs(res.headers), body: Buffer.concat(parts) }));
      res.on("error", (err) => reject(failed(err, opts.shownUrl)));
    });
    req.on("error", (err) => reject(failed(err, opts.shownUrl)));
    req.end(body ?? undefined);
  });
}

function failed(err: Error, shownUrl: string): MvmError {
  if (err.name === "TimeoutError" || err.name === "AbortError") {
    return new MvmError("SECRET_FETCH_TIMEOUT", `${shownUrl} did not answer in time`, "raise timeout_ms (at most 120000)", { cause: err });
  }
  const code = (err as NodeJS.ErrnoException).code;
  return new MvmError("SECRET_FETCH_FAILED", `the request to ${shownUrl} failed: ${code ?? err.message}`, undefined, { cause: err });
}
