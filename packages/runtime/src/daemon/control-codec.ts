/**
 * Control-socket framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON — the guest
 * channel's framing with the control protocol's larger cap (an invoke result carries up to MAX_PAYLOAD).
 * The announced length is checked before any body byte is kept.
 */
import { MvmError } from "@mvm/ir/errors";
import { encodeFrame, FrameDecoder } from "../channel/frame-codec.ts";
import { MAX_CONTROL_FRAME } from "./control-protocol.ts";

export function encodeControlFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  if (body.length > MAX_CONTROL_FRAME) {
    throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `a control message of ${body.length} bytes is over the control socket's cap of ${MAX_CONTROL_FRAME}`);
  }
  return encodeFrame(body, MAX_CONTROL_FRAME);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Splits a byte stream into parsed JSON messages; throws RUN_CONTROL_PROTOCOL on a bad length or body. */
export class ControlFrameDecoder {
  private readonly frames: FrameDecoder;

  constructor(private readonly peer: string) {
    this.frames = new FrameDecoder(MAX_CONTROL_FRAME, peer);
  }

  push(data: Buffer): unknown[] {
    let bodies: Buffer[];
    try {
      bodies = this.frames.push(data);
    } catch (err) {
      throw new MvmError("RUN_CONTROL_PROTOCOL", `${(err as Error).message} (control frames are 1..${MAX_CONTROL_FRAME} bytes)`, undefined, { cause: err });
    }
    return bodies.map((body) => {
      try {
        return JSON.parse(utf8.decode(body)) as unknown;
      } catch (err) {
        throw new MvmError("RUN_CONTROL_PROTOCOL", `the ${this.peer} sent a control frame that is not UTF-8 JSON`, undefined, { cause: err });
      }
    });
  }
}
