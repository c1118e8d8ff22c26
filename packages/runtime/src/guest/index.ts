/** @module What an image needs for the guest agent: the binary, the runners, agent.json and hook scripts. */
export { ensureAgentBinary, agentSourceHash, runnerSourcePaths, AGENT_CFLAGS } from "./agent-binary.ts";
export { AgentConfig, writeAgentConfig, defaultRunnerArgv, GUEST_RUNNER_PATHS, DEFAULT_AGENT_TIMEOUTS } from "./agent-config.ts";
export { renderHookScript, shellQuote } from "./hook-script.ts";
