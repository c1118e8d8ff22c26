/** @module Secrets the guest never sees: the host store, per-instance tokens and host-mediated egress. */
export { allowOrigins, denyOrigins, listSecrets, removeSecret, secretInfo, setSecret, checkSecretValue, MAX_SECRET_BYTES, type SecretInfo } from "./store.ts";
export { allowEgress, denyEgress, egressAllowlist } from "./egress-policy.ts";
export { displayOrigin, parseOrigin, originOfUrl, type Origin } from "./origin.ts";
export { findTokens, issueSecretToken, TOKEN_PATTERN } from "./tokens.ts";
export { auditLogPath, type AuditRecord } from "./audit.ts";
export { webFetch, WEB_FETCH_LIMITS, type WebFetchResult } from "./web-fetch.ts";
export { webSearch, type SearchResult } from "./web-search.ts";
export { InstanceEgress, MAX_EGRESS_INFLIGHT } from "./instance-egress.ts";
