/**
 * `web_search` on a guest's behalf: a query to the search provider the operator configured in
 * `MVM_HOME/search.json` — `{"endpoint": "https://…/search", "key_secret": "NAME", "key_header"?: "…"}`, a
 * provider of Brave Search's shape (GET ?q=&count=, key in a header, JSON `web.results[]`). The key is itself
 * a secret released only to the endpoint's origin, and the request goes out through web_fetch's path.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mvmHome } from "@mvm/builder";
import { MvmError } from "@mvm/ir";
import * as z from "zod";
import { issueSecretToken } from "./tokens.ts";
import { webFetch } from "./web-fetch.ts";

const SearchConfig = z.strictObject({
  endpoint: z.string().url(),
  key_secret: z.string(),
  key_header: z.string().default("X-Subscription-Token"),
});
export const WebSearchPayload = z.strictObject({
  query: z.string().min(1).max(2000),
  max_results: z.number().int().min(1).max(20).optional(),
});
const ProviderAnswer = z.object({
  web: z.object({ results: z.array(z.object({ title: z.string(), url: z.string(), description: z.string().optional() })) }).optional(),
});

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

function searchConfig(): z.infer<typeof SearchConfig> {
  const path = join(mvmHome(), "search.json");
  if (!existsSync(path)) {
    throw new MvmError("SECRET_SEARCH_NOT_CONFIGURED", "web_search has no provider on this host",
      `write ${path}: {"endpoint": "https://…", "key_secret": "NAME"}, set the key with mvmctl secret set NAME and allow the endpoint's origin`);
  }
  const parsed = SearchConfig.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new MvmError("SECRET_SEARCH_NOT_CONFIGURED", `${path}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export async function webSearch(payload: unknown, instance: string): Promise<SearchResult[]> {
  const p = WebSearchPayload.safeParse(payload);
  if (!p.success) throw new MvmError("SECRET_BAD_REQUEST", `web_search: ${p.error.issues[0]?.path.join(".") || "request"}: ${p.error.issues[0]?.message}`);
  const config = searchConfig();
  // A token only this call holds: the key goes through the same release checks as a guest's own secret.
  const token = issueSecretToken(config.key_secret);
  const url = new URL(config.endpoint);
  url.searchParams.set("q", p.data.query);
  url.searchParams.set("count", String(p.data.max_results ?? 5));
  const res = await webFetch({ url: url.href, headers: { accept: "application/json", [config.key_header]: token } }, instance, new Map([[token, config.key_secret]]));
  if (res.status !== 200 || res.body === undefined) throw new MvmError("SECRET_FETCH_FAILED", `the search provider answered ${res.status}`);
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch (err) {
    throw new MvmError("SECRET_FETCH_FAILED", "the search provider's answer is not JSON", undefined, { cause: err });
  }
  const answer = ProviderAnswer.safeParse(json);
  if (!answer.success) throw new MvmError("SECRET_FETCH_FAILED", "the search provider's answer has no web.results");
  return (answer.data.web?.results ?? []).slice(0, p.data.max_results ?? 5).map((r) => ({ title: r.title, url: r.url, snippet: r.description ?? "" }));
}
