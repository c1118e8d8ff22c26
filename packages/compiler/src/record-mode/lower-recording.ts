/**
 * Lowers a validated recording (RECORDING.md) into a Workload: one sandbox → one app whose last command is
 * the `command` entrypoint, earlier commands `before_start` argv hooks, and written files IR `files`.
 * Errors carry the script position the SDK recorded, so they print like static-compile diagnostics.
 */
import { posix } from "node:path";
import {
  APP_NAME_PATTERN, callHelperTs, ENV_KEY_PATTERN, MvmError, workloadOf,
  type App, type DeclValue, type EnvValue, type File, type HookCmd, type SourceLocation, type Workload,
} from "@mvm/ir";
import type { RecordedSandbox, RecordedSite, Recording } from "./recording-schema.ts";
import { TEMPLATE_PACKAGES, templateImage } from "./templates.ts";

export interface RecordingContext {
  /** The script as named in diagnostics. */
  file: string;
  /** The script's file stem: the default app name. */
  fileStem: string;
}

export function lowerRecording(recording: Recording, ctx: RecordingContext): Workload {
  const [sandbox, second] = recording.sandboxes;
  if (!sandbox) {
    throw new MvmError("COMPILE_RECORD_FAILED", "the script created no Sandbox", 'call await Sandbox.create({ template: "node-22" }) once');
  }
  if (second) throw new MvmError("DECL_SECOND_APP", "the script created a second Sandbox", "create one Sandbox per script", { location: at(ctx, second.at) });
  return workloadOf(lowerSandbox(sandbox, ctx));
}

function lowerSandbox(sandbox: RecordedSandbox, ctx: RecordingContext): App {
  const { options } = sandbox;
  const where = at(ctx, sandbox.at);
  const name = options.name ?? ctx.fileStem;
  if (!APP_NAME_PATTERN.test(name)) {
    throw new MvmError("DECL_INVALID_NAME", `app name ${JSON.stringify(name)} does not match ${APP_NAME_PATTERN.source}`,
      options.name === undefined ? `the name defaults to the file stem; pass name: "my-app" to Sandbox.create` : undefined, { location: where });
  }
  const image = templateImage(options.template);
  if (!image) {
    throw new MvmError("DECL_BAD_ARGUMENT", `template ${JSON.stringify(options.template)} is not one record mode can build`,
      `use one of: ${Object.keys(TEMPLATE_PACKAGES).join(", ")}`, { location: where });
  }
  // fromEntries defines own keys: no key can become a prototype.
  const env = Object.fromEntries(Object.entries(options.env ?? {}).map(([key, value]): [string, EnvValue] => {
    if (!ENV_KEY_PATTERN.test(key)) throw new MvmError("DECL_INVALID_NAME", `env variable ${JSON.stringify(key)} does not match ${ENV_KEY_PATTERN.source}`, undefined, { location: where });
    return [key, { kind: "literal", value }];
  }));
  const resources = options.resources ? helper("resources", options.resources, where) : undefined;
  const network = options.network ? helper("network", options.network, where) : undefined;

  const { commands, files } = replay(sandbox, ctx);
  const last = commands.pop();
  if (!last) {
    throw new MvmError("COMPILE_RECORD_FAILED", "the script ran no command on its Sandbox, so the workload has no entrypoint",
      "end the script with the long-running command, e.g. await sb.commands.run([\"node\", \"server.js\"])", { location: where });
  }
  const app: App = {
    name,
    source: { kind: "local_path", path: ".", include: ["**"], exclude: [] },
    image,
    entrypoints: [{ kind: "command", command: last, working_dir: "/app", env: {} }],
    env,
    mounts: [],
    network: network?.kind === "network" ? network.value : null,
    resources: resources?.kind === "resources" ? resources.value : { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 },
    dependencies: { kind: "none" },
  };
  if (commands.length > 0) app.hooks = { before_start: commands.map((argv): HookCmd => ({ kind: "argv", argv })) };
  if (files.length > 0) app.files = files;
  return app;
}

/** Walks the events in order: commands as argv lists, files with later writes replacing earlier ones in place. */
function replay(sandbox: RecordedSandbox, ctx: RecordingContext): { commands: string[][]; files: File[] } {
  const commands: string[][] = [];
  const files: File[] = [];
  let killed = false;
  for (const event of sandbox.events) {
    const where = at(ctx, event.at ?? sandbox.at);
    if (killed) throw new MvmError("COMPILE_RECORD_FAILED", `the recording has a ${event.op} after kill()`, undefined, { location: where });
    if (event.op === "kill") killed = true;
    else if (event.op === "commands.run") commands.push(argvOf(event.cmd, where));
    else {
      if (!event.path.startsWith("/") || posix.normalize(event.path) !== event.path) {
        throw new MvmError("DECL_BAD_ARGUMENT", `files.write path ${JSON.stringify(event.path)} must be absolute and normalized`,
          `write it as ${JSON.stringify(posix.normalize(posix.join("/", event.path)))}`, { location: where });
      }
      const file: File = { path: event.path, bytes_b64: event.bytes_b64, mode: "0644" };
      const earlier = files.findIndex((f) => f.path === event.path);
      if (earlier >= 0) files[earlier] = file;
      else files.push(file);
    }
  }
  return { commands, files };
}

function argvOf(cmd: string | string[], where: SourceLocation | undefined): string[] {
  if (typeof cmd === "string") {
    if (cmd.length === 0) throw new MvmError("DECL_EMPTY_HOOK", "commands.run got an empty string", undefined, { location: where });
    return ["/bin/sh", "-c", cmd];
  }
  if (cmd[0] === "") throw new MvmError("DECL_EMPTY_HOOK", "a command argv must start with a program name, got an empty string", undefined, { location: where });
  return cmd;
}

/** `resources`/`network` lower exactly as `mvm.resources({...})`/`mvm.network({...})` do. */
function helper(name: "resources" | "network", options: { [key: string]: DeclValue }, where: SourceLocation | undefined) {
  try {
    return callHelperTs(name, [options]).result;
  } catch (err) {
    if (err instanceof MvmError) err.at(where);
    throw err;
  }
}

function at(ctx: RecordingContext, site: RecordedSite | undefined): SourceLocation | undefined {
  return site ? { file: ctx.file, line: site.line, column: site.column, length: 1 } : undefined;
}
