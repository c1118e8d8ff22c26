import { MvmError } from "@mvm/ir";
import { MAX_INFLIGHT, type HostRequestFrame } from "@mvm/guest";

/** Answers a guest-initiated request (e.g. kind "web_fetch"); a throw becomes `ok:false` with its message. */
export type HostRequestHandler = (request: { kind: string; payload: unknown }) => Promise<unknown>;

/** The fields of a `host_response` frame, without `v`, `type` and `id`. */
export type HostResponse = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/**
 * The guest's requests of the host (PROTOCOL.md §Messages host_request): at most MAX_INFLIGHT run at once (one more
 * is answered `busy` at once), an id that is still running is a protocol violation (RUN_BAD_FRAME, the channel
 * closes), and each is answered exactly once.
 */
export class HostRequests {
  private readonly running = new Set<number>();

  constructor(private readonly handler: HostRequestHandler | undefined) {}

  /** Requests whose handler has not settled yet. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Starts req; `answer` is called once with the response. Throws MvmError for a duplicate id. */
  start(req: HostRequestFrame, answer: (response: HostResponse) => void): void {
    if (this.running.has(req.id)) {
      throw new MvmError("RUN_BAD_FRAME", `the guest sent host_request ${req.id} while one with that id is still running`);
    }
    if (!this.handler) return answer({ ok: false, error: { code: "unsupported", message: `no handler for ${req.kind}` } });
    if (this.running.size >= MAX_INFLIGHT) {
      return answer({ ok: false, error: { code: "busy", message: `more than ${MAX_INFLIGHT} host requests at once` } });
    }
    this.running.add(req.id);
    void this.run(this.handler, req, answer);
  }

  private async run(handler: HostRequestHandler, req: HostRequestFrame, answer: (response: HostResponse) => void) {
    let response: HostResponse;
    try {
      response = { ok: true, value: (await handler({ kind: req.kind, payload: req.payload })) ?? null };
    } catch (err) {
      const code = err instanceof MvmError ? err.code : "host_error";
      response = { ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
    }
    this.running.delete(req.id);
    answer(response);
  }
}
