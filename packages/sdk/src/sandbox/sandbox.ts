/**
 * The record-mode Sandbox API, shaped like E2B's (`Sandbox.create`, `sb.commands.run`, `sb.files.write`,
 * `sb.kill`). Under `mvmctl compile` (MVM_SDK_MODE=record) nothing runs: each call is recorded, and the
 * compiler lowers the recording into a Workload: the last command becomes the entrypoint, earlier ones
 * `before_start` hooks, and written files are baked into the image.
 * @example
 *   import { Sandbox } from "mvm-sdk";
 *   const sb = await Sandbox.create({ template: "node-22" });
 *   await sb.files.write("/app/server.js", "require('http').createServer((q, s) => s.end('hi')).listen(8080)");
 *   await sb.commands.run(["node", "/app/server.js"]);
 */
import { MvmError } from "@mvm/ir";
import { assertRecording, callerSite, recordSandbox, type RecordedEvent, type RecordedSandbox } from "./recording.ts";

export interface SandboxOptions {
  /** The app name; defaults to the script's file stem. */
  name?: string;
  /** `python-3.12`, `python-3.13`, `node-22`, `node-lts` or `minimal`. */
  template: string;
  /** Literal environment variables for the entrypoint's microVM. */
  env?: Record<string, string>;
  /** As `mvm.resources({...})`: `cpu`/`cpu_cores`, `memory_mb`, `rootfs_size_mb`. */
  resources?: { cpu?: number; cpu_cores?: number; memory_mb?: number; rootfs_size_mb?: number };
  /** As `mvm.network({...})`. */
  network?: { mode?: "none" | "bridge" | "host"; ports?: { guest: number; host?: number; proto?: "tcp" | "udp" }[] };
}

/** What `commands.run` resolves to. In record mode the command has not run: output is empty and exitCode 0. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface WriteInfo {
  name: string;
  path: string;
  type: "file";
}

const OPTION_KEYS = ["name", "template", "env", "resources", "network"];

export class Sandbox {
  /** Stable within one recording; E2B scripts often log it. */
  readonly sandboxId: string;
  readonly commands: { run(cmd: string | string[], options?: Record<string, never>): Promise<CommandResult> };
  readonly files: { write(path: string, data: string | Uint8Array | ArrayBuffer): Promise<WriteInfo> };
  private killed = false;

  private constructor(private readonly recorded: RecordedSandbox, index: number) {
    this.sandboxId = `recorded-${index}`;
    this.commands = { run: (cmd, options) => this.run(cmd, options) };
    this.files = { write: (path, data) => this.write(path, data) };
  }

  /** Starts recording a sandbox: `Sandbox.create({ template })`, or E2B's `Sandbox.create(template, options)`. */
  static async create(templateOrOptions: string | SandboxOptions, options?: Omit<SandboxOptions, "template">): Promise<Sandbox> {
    assertRecording();
    const at = callerSite();
    const given: { [key: string]: unknown } =
      typeof templateOrOptions === "string" ? { ...options, template: templateOrOptions } : { ...templateOrOptions };
    for (const key of Object.keys(given)) {
      if (!OPTION_KEYS.includes(key)) {
        throw new MvmError("DECL_UNKNOWN_KWARG", `Sandbox.create got an unknown option ${JSON.stringify(key)}`, `record mode takes: ${OPTION_KEYS.join(", ")}`);
      }
    }
    for (const key of Object.keys(given)) if (given[key] === undefined) delete given[key];
    const { sandbox, index } = recordSandbox(given, at);
    return new Sandbox(sandbox, index);
  }

  /** Records a command; a string is run by `/bin/sh -c`. Nothing executes in record mode. */
  private async run(cmd: string | string[], options?: Record<string, never>): Promise<CommandResult> {
    if (options !== undefined && Object.keys(options).length > 0) {
      throw new MvmError("DECL_UNKNOWN_KWARG", `commands.run options (${Object.keys(options).join(", ")}) are not recorded`, "pass only the command");
    }
    const isArgv = Array.isArray(cmd) && cmd.every((part) => typeof part === "string");
    if (typeof cmd !== "string" && !isArgv) {
      throw new MvmError("DECL_BAD_ARGUMENT", "commands.run takes a string or a list of strings");
    }
    this.push({ op: "commands.run", cmd: typeof cmd === "string" ? cmd : [...cmd] });
    return { stdout: "", stderr: "", exitCode: 0 };
  }

  /** Records a file to bake into the image at an absolute path. */
  private async write(path: string, data: string | Uint8Array | ArrayBuffer): Promise<WriteInfo> {
    if (typeof path !== "string") throw new MvmError("DECL_BAD_ARGUMENT", "files.write takes a path string");
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8")
      : data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : data instanceof ArrayBuffer ? Buffer.from(data)
      : undefined;
    if (!bytes) throw new MvmError("DECL_BAD_ARGUMENT", "files.write takes a string, Uint8Array or ArrayBuffer");
    this.push({ op: "files.write", path, bytes_b64: bytes.toString("base64") });
    return { name: path.slice(path.lastIndexOf("/") + 1), path, type: "file" };
  }

  /** Ends the recording of this sandbox; later calls are refused, as on a killed E2B sandbox. */
  async kill(): Promise<void> {
    this.push({ op: "kill" });
    this.killed = true;
  }

  private push(event: RecordedEvent): void {
    if (this.killed) throw new MvmError("DECL_BAD_ARGUMENT", `sandbox ${this.sandboxId} was killed; no more calls are recorded`);
    const at = callerSite();
    this.recorded.events.push(at ? { ...event, at } : event);
  }
}
