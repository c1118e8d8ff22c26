/**
 * The per-instance `configure` step after every connect: the image is shared and read-only, so the
 * instance id and its secret tokens reach the guest in this frame, which the agent waits for before
 * before_start (images built with `await_configure`), and which it accepts again after READY.
 */
import type { HelloOkFrame } from "@mvm/guest";
import type { ChannelClient } from "../channel/index.ts";

export interface InstanceValues {
  instanceId: string;
  env: Record<string, string>;
}

export async function configureIfNeeded(client: ChannelClient, hello: HelloOkFrame, values: InstanceValues): Promise<void> {
  // Agents before the configure frame (protocol additions pending on main) neither wait for it nor know it.
  void client;
  void hello;
  void values;
}
