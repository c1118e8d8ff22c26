// The boot smoke image: Debian python3 + busybox + curl (cached base layer), the C agent, the Python runner,
// a tiny function module and hooks like the seed's. Shared by tests/e2e/boot-smoke.test.ts and bench/boot.ts.
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureAgentBinary, ensureDebianBaseLayer, mkExt4, runCommand, type ProgressFn } from "@mvm/builder";
import {
  DEFAULT_AGENT_TIMEOUTS, defaultRunnerArgv, GUEST_RUNNER_PATHS, renderHookScript, runnerSourcePaths, writeAgentConfig,
} from "@mvm/guest";

export const AGENT_PATH = "/sbin/mvm-agent";
export const BEFORE_STOP_MARKER = "MVM-SMOKE-BEFORE-STOP";
/** after_start is polled this long; a cold Python start is ~3.4 s on an idle machine, CI machines are not idle. */
export const AFTER_START_MS = 120_000;

/** `greet(name)` → "hello NAME"; with `echo_env`, the value of that variable (proves before_start exports). */
const APP_PY = `import os

def greet(name, echo_env=None):
    if echo_env:
        return os.environ.get(echo_env)
    return f"hello {name}"
`;

/** Lays out the image on a copy of the cached base layer (paths from guest/agent/README.md) and returns `dir/rootfs.ext4`. */
export async function assembleSmokeImage(dir: string, progress?: ProgressFn): Promise<string> {
  const base = await ensureDebianBaseLayer({ suite: "bookworm", released: true, packages: ["python3", "busybox-static", "curl"] }, { progress });
  const root = join(dir, "root");
  await mkdir(dir, { recursive: true });
  await runCommand("cp", ["-a", base.root, root]);
  await copyFile((await ensureAgentBinary()).path, join(root, AGENT_PATH.slice(1)));
  await mkdir(join(root, "usr/lib/mvm"), { recursive: true });
  await copyFile(runnerSourcePaths().python, join(root, GUEST_RUNNER_PATHS.python.slice(1)));
  await writeFile(join(root, "app/app.py"), APP_PY);
  writeAgentConfig(root, {
    config_version: 1,
    language: "python",
    entrypoint: { kind: "function", module: "app", function: "greet", params: ["name", "echo_env"] },
    working_dir: "/app",
    env: {},
    runner_argv: defaultRunnerArgv("python"),
    health_port: 8080,
    max_inflight: 16,
    timeouts: { ...DEFAULT_AGENT_TIMEOUTS, after_start_ms: AFTER_START_MS },
  });
  const hooks = join(root, "etc/mvm/hooks");
  await mkdir(hooks, { recursive: true });
  await writeFile(join(hooks, "before_start.sh"), renderHookScript("before_start", [{ kind: "shell", line: "export HELLO_BANNER='hi'" }]));
  await writeFile(join(hooks, "after_start.sh"), renderHookScript("after_start", [{ kind: "argv", argv: ["curl", "-fsS", "http://127.0.0.1:8080/health"] }]));
  await writeFile(join(hooks, "before_stop.sh"), renderHookScript("before_stop", [{ kind: "shell", line: `echo ${BEFORE_STOP_MARKER} > /dev/console` }]));
  const out = join(dir, "rootfs.ext4");
  await mkExt4(root, out);
  await rm(root, { recursive: true, force: true });
  return out;
}
