/**
 * @module @mvm/guest — the guest contract, owned once: the host↔guest wire protocol, the agent's config
 * schema, hook rendering and the image layout. The builder and the runtime both import it; the C agent
 * gets the same constants through the generated `agent/protocol.h`.
 */
export * from "./protocol.ts";
export * from "./layout.ts";
export * from "./sources.ts";
export { AgentConfig, writeAgentConfig, DEFAULT_AGENT_TIMEOUTS } from "./agent-config.ts";
export { renderHookScript, shellQuote } from "./hook-script.ts";
