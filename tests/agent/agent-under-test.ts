/**
 * Starts the REAL mvm-agent binary on the host (not PID 1) with its channel on a socketpair (Node's stdio
 * "pipe" is a Unix socketpair), a temp root holding /etc/mvm and /app, and the REAL ChannelClient on the
 * other end. Only the conformance tests use it.
 */
import type { HookCmd } from "@mvm/ir";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, type Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { ensureAgentBinary } from "@mvm/builder";
import { DEFAULT_AGENT_TIMEOUTS, renderHookScript, runnerSourcePaths, writeAgentConfig, type AgentConfig } from "@mvm/guest";
import { ChannelClient, type ChannelClientOptions } from "@mvm/runtime";

export const FIXTURES = fileURLToPath(new URL("../../guest/tests/fixtures/", import.meta.url));

/**
 * Which build of the agent a test drives: the static release binary images ship, or the same sources built
 * with AddressSanitizer and UBSan (dynamic: ASan does not link with -static), which the conformance and fuzz
 * suites also run against. A sanitized agent's console must never carry a sanitizer report.
 */
export type AgentVariant = "release" | "asan";
export const SANITIZER_CFLAGS = [
  "-std=c11", "-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined,float-cast-overflow",
  "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
];
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

/** The sanitizer reports in a console log (empty when clean). */
export function sanitizerReports(log: string): string[] {
  return log.split("\n").filter((line) => SANITIZER_REPORT.test(line));
}

export async function agentBinary(variant: AgentVariant): Promise<string> {
  if (variant === "release") return (await ensureAgentBinary()).path;
  return (await ensureAgentBinary({ cflags: SANITIZER_CFLAGS, name: "mvm-agent-asan" })).path;
}

export interface AgentUnderTest {
  client: ChannelClient;
  variant: AgentVariant;
  child: ChildProcess;
  /** The raw socketpair end, for writing frames the client would never produce. */
  socket: Duplex;
  root: string;
  healthPort: number;
  /** The agent's stderr so far (what the serial console would show). */
  console(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface AgentOptions {
  language?: "python" | "node" | "command";
  function?: string;
  params?: string[];
  command?: string[];
  env?: Record<string, string>;
  maxInflight?: number;
  awaitConfigure?: boolean;
  timeouts?: Partial<AgentConfig["timeouts"]>;
  hooks?: Partial<Record<"before_start" | "after_start" | "before_stop", HookCmd[]>>;
  client?: ChannelClientOptions;
  /** Port for the runner's health endpoint; a free one when absent. */
  healthPort?: number;
  /** Replaces agent.json with this text (to test the agent's own config checks). */
  rawConfig?: string;
  /** Run the agent as PID 1 of fresh pid, mount and net namespaces (`unshare`), as it runs in a VM. */
  asPid1?: boolean;
  /** The agent build (default "release"). */
  variant?: AgentVariant;
  /** Replaces runner_argv (a hostile fake runner). */
  runnerArgv?: string[];
  /** Say hello (begin the client's session) before returning, as every real host does; default true. */
  hello?: boolean;
  /** Make no client at all: the test drives the raw socket, then may attach clients itself. */
  noClient?: boolean;
}

export async function startAgent(options: AgentOptions = {}): Promise<AgentUnderTest> {
  const language = options.language ?? "python";
  // As PID 1 the agent mounts a tmpfs over /tmp, which would hide a root kept there.
  const parent = options.asPid1 ? "/var/tmp" : tmpdir();
  const root = mkdtempSync(join(parent, "mvm-agent-test-"));
  mkdirSync(join(root, "app"));
  copyFileSync(join(FIXTURES, "app.py"), join(root, "app", "app.py"));
  copyFileSync(join(FIXTURES, "app.mjs"), join(root, "app", "app.mjs"));
  const healthPort = options.healthPort ?? (await freePort());
  // As PID 1 the runners must live outside /tmp too (the checkout itself may be under /tmp): copy them in.
  const runner = options.asPid1 ? copyRunners(root) : runnerSourcePaths();
  writeAgentConfig(root, {
    config_version: 1,
    language,
    entrypoint: language === "command"
      ? { kind: "command", command: options.command ?? ["cat"] }
      : { kind: "function", module: "app", function: options.function ?? "greet", params: options.params ?? ["name"] },
    working_dir: "/app",
    env: options.env ?? {},
    ...(language === "command" ? {} : {
      runner_argv: options.runnerArgv ?? (language === "python" ? ["python3", runner.python] : [process.execPath, runner.node]),
    }),
    health_port: healthPort,
    max_inflight: options.maxInflight ?? 16,
    await_configure: options.awaitConfigure ?? false,
    timeouts: { ...DEFAULT_AGENT_TIMEOUTS, after_start_ms: 15_000, after_start_interval_ms: 20, ...options.timeouts },
  });
  if (options.rawConfig !== undefined) writeFileSync(join(root, "etc", "mvm", "agent.json"), options.rawConfig);
  mkdirSync(join(root, "etc", "mvm", "hooks"), { recursive: true });
  for (const [phase, cmds] of Object.entries(options.hooks ?? {})) {
    const path = join(root, "etc", "mvm", "hooks", `${phase}.sh`);
    writeFileSync(path, renderHookScript(phase as "before_start", cmds));
    chmodSync(path, 0o755);
  }
  const variant = options.variant ?? "release";
  const binary = await agentBinary(variant);
  const agentArgs = ["--channel-fd", "3", "--root", root, ...(options.asPid1 ? [] : ["--state-dir", join(root, "state")])];
  const [command, args] = options.asPid1 ? ["unshare", ["--pid", "--fork", "--mount", "--net", binary, ...agentArgs]] : [binary, agentArgs];
  // halt_on_error=0: report every finding, not just the first; the suites fail on any report.
  const env = variant === "asan"
    ? { ...process.env, ASAN_OPTIONS: "halt_on_error=0:detect_leaks=1", UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=0" }
    : process.env;
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe", "pipe"], env });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const socket = child.stdio[3] as Duplex;
  const client = options.noClient ? undefined : new ChannelClient(socket, options.client);
  const agent: AgentUnderTest = {
    client: client ?? new ChannelClient(new PassThrough()), variant, child, socket, root, healthPort, exited,
    console: () => log,
    async stop() {
      client?.close();
      socket.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      rmSync(root, { recursive: true, force: true });
      const reports = sanitizerReports(log);
      if (reports.length) throw new Error(`the ${variant} agent reported:\n${reports.join("\n")}\n--- console ---\n${log.slice(-20_000)}`);
    },
  };
  if (client && options.hello !== false) await client.hello();
  return agent;
}

function copyRunners(root: string): { python: string; node: string } {
  const source = runnerSourcePaths();
  mkdirSync(join(root, "runners"));
  const copy = { python: join(root, "runners", "runner.py"), node: join(root, "runners", "runner.mjs") };
  copyFileSync(source.python, copy.python);
  copyFileSync(source.node, copy.node);
  return copy;
}

/** Polls `probe` until it returns true, failing with `what` when the deadline passes. */
export async function waitFor(probe: () => boolean | Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
