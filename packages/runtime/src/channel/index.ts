/** @module The host end of the guest channel: the client the runtime talks through (the protocol itself is @mvm/guest). */
export { ChannelClient, COMPLAINT_BURST, type ChannelClientOptions, type ExecResult, type HostRequestHandler, type InvokeResult, type ReadyInfo } from "./client.ts";
export { connectChannel } from "./connect.ts";
export { GuestCallError, WIRE_TO_RUN_CODE } from "./errors.ts";
export { encodeFrame, FrameDecoder } from "./frame-codec.ts";
export { ChunkAssembler, chunkFrames } from "./chunks.ts";
