/**
 * Every path an mvm image holds that the host, the builder or the agent must agree on. The C agent reads
 * the ones it needs from protocol.h, which is generated from this file and protocol.ts.
 */

/** The agent binary; the kernel boots it as init. */
export const AGENT_PATH = "/sbin/mvm-agent";
/** The agent's only configuration (AgentConfig). */
export const AGENT_CONFIG_PATH = "/etc/mvm/agent.json";
/** `<phase>.sh` for before_start, after_start and before_stop, rendered by renderHookScript. */
export const HOOKS_DIR = "/etc/mvm/hooks";
/** Where the agent keeps run-time state (the exported environment after before_start); a tmpfs in the VM. */
export const AGENT_STATE_DIR = "/run/mvm";
/** The app's code, as compiled. */
export const APP_DIR = "/app";
/** Where the language runners live. */
export const GUEST_RUNNER_PATHS = { python: "/usr/lib/mvm/runner.py", node: "/usr/lib/mvm/runner.mjs" } as const;
/** The Python SDK (`import mvm`) inside the image; the runner puts it on sys.path. */
export const GUEST_PYTHON_SDK_DIR = "/usr/lib/mvm/python";
/** The TypeScript SDK (`import "mvm-sdk"`), found by Node's resolution from /app. */
export const GUEST_NODE_SDK_DIR = "/app/node_modules/mvm-sdk";
/** The virtio-serial port the agent talks on (found by name under /sys/class/virtio-ports). */
export const AGENT_PORT_NAME = "mvm.agent";
/** Empty directories a read-only root needs as mount points. */
export const MOUNT_POINTS = ["/proc", "/sys", "/dev", "/tmp", "/run", "/root", APP_DIR] as const;

/** The runner command line an image uses for a language. */
export function defaultRunnerArgv(language: "python" | "node"): string[] {
  return language === "python" ? ["/usr/bin/python3", GUEST_RUNNER_PATHS.python] : ["/usr/bin/node", GUEST_RUNNER_PATHS.node];
}
