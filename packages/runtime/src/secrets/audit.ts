/**
 * The audit log, `MVM_HOME/audit.jsonl` (0600, append-only): one line per host-mediated request — a release,
 * a refusal, or plain egress — naming instance, secrets, origin, method and status. Never a value or a
 * token, and never a path or query (where a value may have been substituted): only the origin.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { mvmHome } from "@mvm/builder";

export interface AuditRecord {
  instance: string;
  kind: "web_fetch" | "web_search";
  /** released: a secret's value was sent · sent: no secret involved · refused: nothing was sent. */
  outcome: "released" | "sent" | "refused";
  secrets: string[];
  origin: string | null;
  method: string;
  status: number | null;
  /** Why it was refused, or why the request failed after it was sent (an error code). */
  reason?: string;
}

export function auditLogPath(): string {
  return join(mvmHome(), "audit.jsonl");
}

export function appendAudit(record: AuditRecord): void {
  appendFileSync(auditLogPath(), `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`, { mode: 0o600 });
}
