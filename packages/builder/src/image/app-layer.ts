/**
 * The app layer, written onto a copy of the base tree: /app as compiled (TypeScript compiled to ESM when
 * the image has Node), record mode's files, the agent, the entrypoint language's runner, the SDKs,
 * /etc/mvm/agent.json and one /etc/mvm/hooks/<phase>.sh per phase the app declares (merged, addons first).
 * Files are always created fresh: the base tree's files may be hard links into the layer cache.
 */
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  AGENT_PATH, APP_DIR, GUEST_NODE_SDK_DIR, GUEST_PYTHON_SDK_DIR, GUEST_RUNNER_PATHS, HOOKS_DIR, renderHookScript,
  runnerSourcePaths, writeAgentConfig, type AgentConfig,
} from "@mvm/guest";
import type { App, HookCmd, Launch } from "@mvm/ir";
import { runCommand } from "../command.ts";
import type { SdkTree } from "./guest-sdks.ts";
import { compileTypeScriptTree } from "./typescript.ts";

/** The phases the agent runs from /etc/mvm/hooks; before_build runs only in the builder VM. */
export const RUNTIME_HOOK_PHASES = ["before_start", "after_start", "before_stop"] as const;

export interface AppLayerInput {
  launch: Launch;
  app: App;
  sourceDir: string;
  agentBinary: string;
  config: AgentConfig;
  runtimes: { python: boolean; node: boolean };
  sdks: { python?: SdkTree; node?: SdkTree };
  signal?: AbortSignal;
}

const inRoot = (root: string, guestPath: string) => join(root, guestPath.replace(/^\/+/, ""));

async function writeFresh(path: string, data: string | Buffer, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { recursive: true, force: true });
  await writeFile(path, data, { mode });
  await chmod(path, mode);
}

async function copyTree(tree: SdkTree, to: string): Promise<void> {
  for (const f of tree.files) {
    await mkdir(dirname(join(to, f)), { recursive: true });
    await copyFile(join(tree.dir, f), join(to, f));
  }
}

/** Writes the app layer into `root`; returns the compiled TypeScript files (relative to /app). */
export async function writeAppLayer(root: string, input: AppLayerInput): Promise<string[]> {
  const appDir = inRoot(root, APP_DIR);
  await rm(appDir, { recursive: true, force: true });
  await runCommand("cp", ["-a", "--", input.sourceDir, appDir], { signal: input.signal });
  const compiled = input.runtimes.node ? await compileTypeScriptTree(appDir, input.sourceDir) : [];

  for (const file of input.app.files ?? []) await writeFresh(inRoot(root, file.path), Buffer.from(file.bytes_b64, "base64"), Number.parseInt(file.mode, 8));

  await writeFresh(inRoot(root, AGENT_PATH), await readFile(input.agentBinary), 0o755);
  const language = input.config.language;
  if (language === "python" || language === "node") {
    const runner = runnerSourcePaths()[language];
    await writeFresh(inRoot(root, GUEST_RUNNER_PATHS[language]), await readFile(runner), 0o644);
  }
  if (input.sdks.python) await copyTree(input.sdks.python, join(inRoot(root, GUEST_PYTHON_SDK_DIR), "mvm"));
  if (input.sdks.node) await copyTree(input.sdks.node, inRoot(root, GUEST_NODE_SDK_DIR));

  await rm(inRoot(root, "/etc/mvm"), { recursive: true, force: true });
  writeAgentConfig(root, input.config);
  await mkdir(inRoot(root, HOOKS_DIR), { recursive: true });
  for (const phase of RUNTIME_HOOK_PHASES) {
    const commands: HookCmd[] | undefined = input.launch.hooks[phase];
    if (commands) await writeFresh(join(inRoot(root, HOOKS_DIR), `${phase}.sh`), renderHookScript(phase, commands), 0o644);
  }
  return compiled;
}
