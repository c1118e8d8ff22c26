import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod";
import { AGENT_CONFIG_PATH } from "./layout.ts";
import { MAX_INFLIGHT } from "./protocol.ts";

const positiveMs = z.number().int().min(1).max(24 * 3600 * 1000);

/**
 * `/etc/mvm/agent.json`, the agent's only configuration (guest/agent/README.md §agent.json). Strict: the C agent
 * rejects unknown keys too, so a typo fails at boot instead of being ignored.
 */
export const AgentConfig = z.strictObject({
  config_version: z.literal(1),
  language: z.enum(["python", "node", "command"]),
  entrypoint: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("function"), module: z.string().min(1), function: z.string().min(1), params: z.array(z.string()) }),
    z.strictObject({ kind: z.literal("command"), command: z.array(z.string()).min(1) }),
  ]),
  working_dir: z.string().startsWith("/"),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
  /** How to start the runner: `defaultRunnerArgv(language)` for images, the host's python3/node in tests. */
  runner_argv: z.array(z.string()).min(1).optional(),
  health_port: z.number().int().min(1).max(65535),
  max_inflight: z.number().int().min(1).max(MAX_INFLIGHT),
  /** Wait for the host's `configure` frame (instance id, per-instance env) before running before_start. */
  await_configure: z.boolean(),
  timeouts: z.strictObject({
    invoke_ms: positiveMs, after_start_ms: positiveMs, after_start_interval_ms: z.number().int().min(1).max(60_000), before_stop_ms: positiveMs,
  }),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** Defaults that match the seed's expectations: health on 8080, generous after_start for a cold TCG boot. */
export const DEFAULT_AGENT_TIMEOUTS: AgentConfig["timeouts"] = {
  invoke_ms: 60_000, after_start_ms: 30_000, after_start_interval_ms: 100, before_stop_ms: 10_000,
};

/**
 * Validates `config` and writes it as `<rootDir>` + AGENT_CONFIG_PATH; returns the file's path. A function
 * entrypoint needs `runner_argv` (the C agent refuses one without it).
 */
export function writeAgentConfig(rootDir: string, config: AgentConfig): string {
  const parsed = AgentConfig.parse(config);
  if (parsed.entrypoint.kind === "function" && !parsed.runner_argv) {
    throw new Error("a function entrypoint needs runner_argv (defaultRunnerArgv(language))");
  }
  const path = join(rootDir, AGENT_CONFIG_PATH);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(parsed, null, 2)}\n`);
  return path;
}
