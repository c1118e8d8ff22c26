/**
 * The per-instance `configure` step after every connect: the image is shared and read-only, so the
 * instance id and its secret tokens reach the guest in this frame, which the agent waits for before
 * before_start (images built with `await_configure`). It is sent again whenever hello says the agent has
 * none (a reconnect after a daemon restart before it got one); one that has it keeps its values.
 */
import type { HelloOkFrame } from "@mvm/guest";
import type { ChannelClient } from "../channel/index.ts";

export interface InstanceValues {
  instanceId: string;
  env: Record<string, string>;
}

export async function configureIfNeeded(client: ChannelClient, hello: HelloOkFrame, values: InstanceValues): Promise<void> {
  if (!hello.configured) await client.configure(values);
}
