import { MvmError } from "@mvm/ir";
import { webFetch } from "./web-fetch.ts";
import { webSearch } from "./web-search.ts";

/** Host-mediated requests one instance may have in flight; one more is refused `SECRET_BUSY`. */
export const MAX_EGRESS_INFLIGHT = 8;

/**
 * One instance's host-mediated egress: the handler for its channel's `host_request`s (kinds `web_fetch` and
 * `web_search`), holding its live tokens and bounding its concurrency so a flooding guest gets a clear `busy`.
 */
export class InstanceEgress {
  private inflight = 0;

  constructor(readonly instance: string, private tokens: ReadonlyMap<string, string>) {}

  /** Replaces the live tokens (a re-configured clone has new ones; the old ones then release nothing). */
  setTokens(tokens: ReadonlyMap<string, string>): void {
    this.tokens = tokens;
  }

  async handle(kind: string, payload: unknown): Promise<unknown> {
    if (kind !== "web_fetch" && kind !== "web_search") {
      throw new MvmError("SECRET_BAD_REQUEST", `unknown host request ${JSON.stringify(kind.slice(0, 64))}; the host serves web_fetch and web_search`);
    }
    if (this.inflight >= MAX_EGRESS_INFLIGHT) {
      throw new MvmError("SECRET_BUSY", `${this.instance} already has ${MAX_EGRESS_INFLIGHT} host-mediated requests in flight`, "wait for one to finish");
    }
    this.inflight++;
    try {
      return kind === "web_fetch" ? await webFetch(payload, this.instance, this.tokens) : await webSearch(payload, this.instance);
    } finally {
      this.inflight--;
    }
  }
}
