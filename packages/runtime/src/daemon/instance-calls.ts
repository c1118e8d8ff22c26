/**
 * Invokes and execs on one instance. Each is sent to the guest once: no retry, ever, so a call is
 * answered exactly once — with the guest's reply, or with an error that says the call's fate is unknown.
 * Calls wait (bounded) for READY, and past the agent's max_inflight they queue in arrival order.
 */
import { DEFAULT_CALL_TIMEOUT_MS, MAX_PAYLOAD } from "@mvm/guest";
import { MvmError, type LaunchEntrypoint } from "@mvm/ir";
import { GuestCallError, type ChannelClient, type ExecResult, type InvokeResult } from "../channel/index.ts";
import type { ExecControlResult, InvokeControlResult } from "./control-protocol.ts";
import { buildInvokeInput, type InputArg } from "./inputs.ts";
import type { Instance } from "./instance.ts";

/** How long a call waits for an instance that is still starting. */
const WAIT_FOR_READY_MS = 10 * 60_000;
/** A channel that closed under a call: how long to watch for the VM going down before blaming the channel. */
const VM_EXIT_GRACE_MS = 3_000;
/** How long a call waits for the daemon to reconnect to the agent. */
const WAIT_FOR_CHANNEL_MS = 10_000;

export interface InvokeArgs {
  inputs: InputArg[];
  function?: string;
  timeoutMs?: number;
}

export async function invokeInstance(instance: Instance, args: InvokeArgs): Promise<InvokeControlResult> {
  const entry = pickEntrypoint(instance, args.function);
  const input = entry.kind === "function"
    ? buildInvokeInput(args.inputs, entry.params, entry.language, `${entry.module}.${entry.function}`)
    : buildInvokeInput(args.inputs, null, "python", "the command entrypoint");
  checkPayload(Buffer.byteLength(JSON.stringify(input)), "the invoke's input");
  await untilReady(instance, args.timeoutMs);
  const release = await instance.slots.acquire(instance.name);
  const seq = ++instance.invokeCount;
  try {
    const client = await channel(instance);
    const options = { timeoutMs: args.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, ...(args.function ? { function: args.function } : {}) };
    let result: InvokeResult;
    try {
      result = await client.invoke(input, options);
    } catch (err) {
      throw await explainCallFailure(instance, err, `invoke#${seq}`);
    }
    logOutput(instance, seq, result.stdout, result.stderr);
    return { value: result.value, stdout: result.stdout, stderr: result.stderr, duration_ms: result.durationMs, ...(result.exitCode === undefined ? {} : { exit_code: result.exitCode }) };
  } catch (err) {
    instance.log.append("mvm", `invoke#${seq} failed: ${err instanceof MvmError ? `${err.code}: ` : ""}${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    if (err instanceof GuestCallError) logOutput(instance, seq, err.frame.stdout ?? "", err.frame.stderr ?? "");
    throw err;
  } finally {
    release();
  }
}

export async function execInstance(instance: Instance, argv: string[], timeoutMs: number | undefined, stdin: Buffer | undefined): Promise<ExecControlResult> {
  if (instance.record.state.kind === "dead") throw deadError(instance);
  checkPayload(argv.reduce((n, a) => n + a.length + 4, 0) + (stdin ? Math.ceil(stdin.length / 3) * 4 : 0), "the exec's argv and stdin");
  const client = await channel(instance);
  let result: ExecResult;
  try {
    result = await client.exec(argv, { ...(timeoutMs ? { timeoutMs } : {}), ...(stdin ? { stdin } : {}) });
  } catch (err) {
    throw await explainCallFailure(instance, err, "exec");
  }
  instance.log.append("mvm", `exec ${JSON.stringify(argv)} exited ${result.exitCode ?? `by signal ${result.signal}`}`);
  return { exit_code: result.exitCode, signal: result.signal, stdout_b64: result.stdout.toString("base64"), stderr_b64: result.stderr.toString("base64"), duration_ms: result.durationMs };
}

/** The agent answers a host message past MAX_PAYLOAD only with an id-0 error, never the call itself, so it is refused here. */
function checkPayload(bytes: number, what: string): void {
  // Room for the frame's envelope; the guest counts the whole message.
  if (bytes > MAX_PAYLOAD - 64 * 1024) {
    throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `${what} is ${bytes} bytes; a message to the guest is capped at MAX_PAYLOAD (${MAX_PAYLOAD} bytes)`,
      "pass large data another way (e.g. bake it into the image, or fetch it from the function)");
  }
}

function pickEntrypoint(instance: Instance, fn: string | undefined): LaunchEntrypoint {
  const entrypoints = instance.record.entrypoints;
  const primary = entrypoints.find((e) => e.kind === "command" || e.primary) ?? entrypoints[0]!;
  if (!fn) return primary;
  if (primary.kind === "command") {
    throw new MvmError("RUN_INPUT_INVALID", `--fn ${fn}: app ${instance.record.app} has a command entrypoint, not functions`, "drop --fn");
  }
  const declared = entrypoints.find((e) => e.kind === "function" && e.function === fn);
  // Another function of the module: its parameters were not parsed, so the runner checks the names.
  return declared ?? { ...primary, function: fn, primary: false, params: null };
}

async function untilReady(instance: Instance, timeoutMs: number | undefined): Promise<void> {
  const state = instance.record.state;
  switch (state.kind) {
    case "ready":
      return;
    case "dead":
      throw deadError(instance);
    case "stopping":
      throw new MvmError("RUN_STOPPED", `instance ${instance.name} is being brought down`, `mvmctl up ${instance.record.app} --name ${instance.name} starts it again`);
    case "starting": {
      const waitMs = Math.max(WAIT_FOR_READY_MS, timeoutMs ?? 0);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MvmError("RUN_TIMEOUT", `instance ${instance.name} was still starting after ${waitMs / 1000} s`, `mvmctl logs ${instance.name} shows how far it got`)), waitMs);
      });
      try {
        await Promise.race([instance.ready, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return;
    }
    default:
      return state satisfies never;
  }
}

async function channel(instance: Instance): Promise<ChannelClient> {
  const client = await instance.link?.connected(WAIT_FOR_CHANNEL_MS);
  if (client) return client;
  if (await instance.settleIfGone()) throw deadError(instance);
  throw new MvmError("RUN_CHANNEL_CLOSED", `the daemon has no connection to ${instance.name}'s agent (reconnecting for ${WAIT_FOR_CHANNEL_MS / 1000} s did not succeed)`,
    `mvmctl logs ${instance.name} shows the console; mvmctl down ${instance.name} stops it`);
}

function deadError(instance: Instance): MvmError {
  const state = instance.record.state;
  return new MvmError("RUN_INSTANCE_DEAD", `instance ${instance.name} is not running: ${state.kind === "dead" ? state.reason : state.kind}`,
    `mvmctl up ${instance.record.app}${instance.name === instance.record.app ? "" : ` --name ${instance.name}`} starts it again`);
}

/**
 * A call that failed without the guest's own answer: if the VM died, say so with the reason (the call
 * dies with it); if only the channel broke, say that the call's fate is unknown and it was not retried.
 */
async function explainCallFailure(instance: Instance, err: unknown, what: string): Promise<unknown> {
  if (!(err instanceof MvmError) || (err.code !== "RUN_CHANNEL_CLOSED" && err.code !== "RUN_BAD_FRAME")) return err;
  if (instance.record.state.kind === "stopping") {
    return new MvmError("RUN_STOPPED", `instance ${instance.name} was brought down during the ${what}`, undefined, { cause: err });
  }
  if (await instance.endsWithin(VM_EXIT_GRACE_MS)) {
    const state = instance.record.state;
    const reason = state.kind === "dead" ? state.reason : "the VM exited";
    return new MvmError("RUN_VM_DIED", `the VM of ${instance.name} died during the ${what}: ${reason}\nlast console lines:\n${await instance.consoleTail(10)}`,
      `mvmctl up ${instance.record.app}${instance.name === instance.record.app ? "" : ` --name ${instance.name}`} starts it again`, { cause: err });
  }
  return new MvmError("RUN_CHANNEL_CLOSED", `the channel to ${instance.name}'s agent broke during the ${what} (${err.message}); the call was not retried and may or may not have run`,
    "the daemon reconnects by itself; check with mvmctl ps", { cause: err });
}

function logOutput(instance: Instance, seq: number, stdout: string, stderr: string): void {
  if (stdout) instance.log.append("stdout", stdout, `invoke#${seq}`);
  if (stderr) instance.log.append("stderr", stderr, `invoke#${seq}`);
}
