/**
 * /etc/mvm/agent.json for an image, from launch.json: the primary entrypoint with its parameter names, the
 * working directory, the literal env (secrets are not baked in: `up` hands the guest their tokens), and what
 * every image adds to it — MVM_SDK_MODE=guest, and the Python SDK on PYTHONPATH.
 */
import { AgentConfig, DEFAULT_AGENT_TIMEOUTS, defaultRunnerArgv, GUEST_PYTHON_SDK_DIR, GUEST_RUNNER_PATHS } from "@mvm/guest";
import { parseWith, type Launch } from "@mvm/ir";

/** The port the runner's /health endpoint listens on in the guest: the one the seed's after_start probe polls. */
export const DEFAULT_HEALTH_PORT = 8080;
/** after_start is polled this long once the module imported by default; TCG and a loaded host stretch a cold start. */
export const DEFAULT_AFTER_START_MS = 120_000;

/** How `up` waits for the app: the after_start deadline and the pause between attempts (`mvmctl build` flags). */
export interface Readiness {
  afterStartMs?: number;
  afterStartIntervalMs?: number;
}

export interface ImageRuntimes {
  python: boolean;
  node: boolean;
}

/** Variables every image sets; the agent applies them to hooks, runner and commands. */
export function imageEnv(launch: Launch, runtimes: ImageRuntimes): { env: Record<string, string>; warnings: string[] } {
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(launch.env)) if (value.kind === "literal") env[key] = value.value;
  if (launch.entrypoint.kind === "function") Object.assign(env, launch.entrypoint.env);
  if (env.MVM_SDK_MODE !== undefined) warnings.push(`env MVM_SDK_MODE=${env.MVM_SDK_MODE} is replaced by MVM_SDK_MODE=guest, which the SDKs need inside the image`);
  env.MVM_SDK_MODE = "guest";
  if (runtimes.python) env.PYTHONPATH = env.PYTHONPATH ? `${env.PYTHONPATH}:${GUEST_PYTHON_SDK_DIR}` : GUEST_PYTHON_SDK_DIR;
  return { env, warnings };
}

/** The agent config for the image, checked against the agent's schema (IR_INVALID naming the field otherwise). */
export function agentConfigFor(launch: Launch, env: Record<string, string>, readiness: Readiness = {}): AgentConfig {
  return parseWith(AgentConfig, unchecked(launch, env, readiness), "the image's agent.json (derived from launch.json)");
}

function unchecked(launch: Launch, env: Record<string, string>, readiness: Readiness): AgentConfig {
  const ep = launch.entrypoint;
  const common = {
    config_version: 1 as const,
    working_dir: ep.working_dir,
    env,
    health_port: DEFAULT_HEALTH_PORT,
    max_inflight: 16,
    // An image is shared by every instance: each one's id and secret tokens arrive in `configure` from `up`.
    await_configure: true,
    timeouts: {
      ...DEFAULT_AGENT_TIMEOUTS,
      after_start_ms: readiness.afterStartMs ?? DEFAULT_AFTER_START_MS,
      after_start_interval_ms: readiness.afterStartIntervalMs ?? DEFAULT_AGENT_TIMEOUTS.after_start_interval_ms,
    },
  };
  if (ep.kind === "command") return { ...common, language: "command", entrypoint: { kind: "command", command: ep.command } };
  const runner_argv = ep.language === "python"
    ? defaultRunnerArgv("python")
    // Source maps make a guest traceback name the user's .ts line, not the compiled .js one.
    : ["/usr/bin/node", "--enable-source-maps", GUEST_RUNNER_PATHS.node];
  return {
    ...common,
    language: ep.language,
    entrypoint: { kind: "function", module: ep.module, function: ep.function, params: (ep.params ?? []).map((p) => p.name) },
    runner_argv,
  };
}
