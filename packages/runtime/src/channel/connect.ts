import { MvmError } from "@mvm/ir";
import { createConnection, type Socket } from "node:net";
import { ChannelClient, type ChannelClientOptions } from "./client.ts";

const RETRY_MS = 5;

function tryConnect(socketPath: string): Promise<Socket | Error> {
  return new Promise((resolve) => {
    const sock = createConnection(socketPath);
    sock.once("connect", () => resolve(sock));
    sock.once("error", (err) => (sock.destroy(), resolve(err)));
  });
}

/**
 * Connects to the channel's Unix socket (QEMU's chardev socket for the `mvm.agent` port), retrying until it
 * appears and accepts, or `deadlineMs` passes (RUN_CONNECT_FAILED, with the last error as cause).
 */
export async function connectChannel(
  socketPath: string,
  options: ChannelClientOptions & { deadlineMs: number },
): Promise<ChannelClient> {
  const giveUpAt = Date.now() + options.deadlineMs;
  let last: Error | undefined;
  for (;;) {
    const result = await tryConnect(socketPath);
    if (!(result instanceof Error)) return new ChannelClient(result, options);
    last = result;
    if (Date.now() >= giveUpAt) break;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new MvmError("RUN_CONNECT_FAILED", `could not connect to ${socketPath} within ${options.deadlineMs} ms: ${last?.message}`,
    "is the VM running? its console log says why it stopped", { cause: last });
}
