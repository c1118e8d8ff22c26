// TEMPORARY test fixture, until `mvmctl build` lands on main: compiles an app file with the real compiler
// and registers an image laid out like tests/e2e/smoke-image.ts (Debian python3 base layer, the C agent,
// the Python runner, the compiled source in /app, agent.json and hooks from launch.json) through the
// registry's registerApp(), so `mvmctl up` boots what a build would register.
import { copyFile, link, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import {
  ensureAgentBinary, ensureDebianBaseLayer, mkExt4, registerApp, registryStagingDir, resolveGuestKernel, runCommand, throttleProgress,
  type ImageManifest,
} from "@mvm/builder";
import { compileFile, writeArtifacts } from "@mvm/compiler";
import {
  DEFAULT_AGENT_TIMEOUTS, defaultRunnerArgv, GUEST_PYTHON_SDK_DIR, GUEST_RUNNER_PATHS, renderHookScript, runnerSourcePaths, writeAgentConfig,
} from "@mvm/guest";
import { Launch, parseWith, type Network } from "@mvm/ir";

/** after_start is polled this long: a cold Python start under loaded TCG takes well over the usual 3.4 s. */
const AFTER_START_MS = 180_000;
const PYTHON_SDK_DIR = fileURLToPath(new URL("../../sdk/python/mvm", import.meta.url));

export interface BuiltTestApp {
  name: string;
  imagePath: string;
  manifest: ImageManifest;
}

const progress = throttleProgress((e) => process.stderr.write(`[fixture] ${e.phase} ${e.message ?? ""}\n`));

/**
 * Compiles `appPy` (the text of app.py) and registers its image in the current MVM_HOME. `afterStartMs`
 * bounds after_start's polling (the agent config's after_start_ms).
 */
export async function registerTestApp(appPy: string, opts: { afterStartMs?: number } = {}): Promise<BuiltTestApp> {
  const work = await mkdtemp(join(tmpdir(), "mvm-run-fixture-"));
  try {
    await mkdir(join(work, "src"));
    await writeFile(join(work, "src", "app.py"), appPy);
    const compiled = await compileFile(join(work, "src", "app.py"));
    writeArtifacts(compiled, join(work, "out"));
    const launch = parseWith(Launch, JSON.parse(await readFile(join(work, "out", "launch.json"), "utf8")), "launch.json");
    const entry = launch.entrypoint;
    if (entry.kind !== "function") throw new Error("the run fixture builds function entrypoints only");

    const base = await ensureDebianBaseLayer(["python3"], progress);
    const root = join(work, "root");
    await runCommand("cp", ["-a", base.root, root]);
    const agent = await ensureAgentBinary();
    await copyFile(agent.path, join(root, "sbin/mvm-agent"));
    await mkdir(join(root, "usr/lib/mvm"), { recursive: true });
    await copyFile(runnerSourcePaths().python, join(root, GUEST_RUNNER_PATHS.python.slice(1)));
    await runCommand("cp", ["-a", `${join(work, "out", "source")}/.`, join(root, "app")]);
    // `import mvm` in the app file: the SDK where the image layout puts it, on PYTHONPATH below.
    await mkdir(join(root, GUEST_PYTHON_SDK_DIR.slice(1)), { recursive: true });
    await runCommand("cp", ["-a", PYTHON_SDK_DIR, join(root, GUEST_PYTHON_SDK_DIR.slice(1), "mvm")]);
    writeAgentConfig(root, {
      config_version: 1,
      language: "python",
      entrypoint: { kind: "function", module: entry.module, function: entry.function, params: (entry.params ?? []).map((p) => p.name) },
      working_dir: "/app",
      env: {
        PYTHONPATH: GUEST_PYTHON_SDK_DIR,
        ...Object.fromEntries(Object.entries(launch.env).flatMap(([k, v]) => (v.kind === "literal" ? [[k, v.value]] : []))),
      },
      runner_argv: defaultRunnerArgv("python"),
      health_port: 8080,
      max_inflight: 16,
      await_configure: true,
      timeouts: { ...DEFAULT_AGENT_TIMEOUTS, after_start_ms: opts.afterStartMs ?? AFTER_START_MS, before_stop_ms: 10_000 },
    });
    await mkdir(join(root, "etc/mvm/hooks"), { recursive: true });
    for (const phase of ["before_start", "after_start", "before_stop"] as const) {
      const commands = launch.hooks[phase];
      if (commands?.length) await writeFile(join(root, "etc/mvm/hooks", `${phase}.sh`), renderHookScript(phase, commands));
    }
    const staging = await registryStagingDir(launch.workload_id);
    const image = join(staging, "rootfs.ext4");
    await mkExt4(root, image);
    const kernel = await resolveGuestKernel(progress);
    const app = await registerApp(staging, {
      manifest_version: 1, name: launch.workload_id, ir_hash: launch.ir_hash, tree_hash: launch.source.tree_hash,
      image: { file: "rootfs.ext4", sha256: await sha256(image), size_bytes: (await readFile(image)).length },
      kernel: { path: kernel.vmlinux, sha256: await sha256(kernel.vmlinux), flavour: kernel.flavour, ...(kernel.initrd ? { initrd: kernel.initrd } : {}) },
      agent: { sha256: await sha256(agent.path) },
      runtime: { language: "python", python: "3.11" },
      entrypoints: launch.entrypoints, resources: launch.resources, network: launch.network, env: launch.env, health_port: 8080,
      packages: [], substitutions: [], warnings: [], layers: [], sizes: { image_bytes: 1, tree_bytes: 1 },
      built_at: new Date().toISOString(), build_ms: 0, toolchain_version: launch.toolchain_version,
    });
    return { name: app.name, imagePath: app.imagePath, manifest: app.manifest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Registers `app`'s image again under another name and network (a hard link: no second copy). */
export async function registerVariant(app: BuiltTestApp, name: string, network: Network | null): Promise<BuiltTestApp> {
  const staging = await registryStagingDir(name);
  await link(app.imagePath, join(staging, "rootfs.ext4"));
  const registered = await registerApp(staging, { ...app.manifest, name, network });
  return { name, imagePath: registered.imagePath, manifest: registered.manifest };
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}
