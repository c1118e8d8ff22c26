/**
 * Control-socket framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON — the guest
 * channel's framing with the control protocol's larger cap (an invoke result carries up to MAX_PAYLOAD).
 * The announced length is checked before any body byte is kept.
 */
import { MvmError } from "@mvm/ir/errors";
import { MAX_CONTROL_FRAME } from "./control-protocol.ts";

export function encodeControlFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  if (body.length > MAX_CONTROL_FRAME) {
    throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `a control message of ${body.length} bytes is over the control socket's cap of ${MAX_CONTROL_FRAME}`);
  }
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Splits a byte stream into parsed JSON messages; throws RUN_CONTROL_PROTOCOL on a bad length or body. */
export class ControlFrameDecoder {
  private chunks: Buffer[] = [];
  private held = 0;
  private want = -1;

  constructor(private readonly peer: string) {}

  push(data: Buffer): unknown[] {
    this.chunks.push(data);
    this.held += data.length;
    const messages: unknown[] = [];
    for (;;) {
      if (this.want < 0) {
        if (this.held < 4) break;
        const length = this.take(4).readUInt32BE(0);
        if (length === 0 || length > MAX_CONTROL_FRAME) {
          throw new MvmError("RUN_CONTROL_PROTOCOL", `the ${this.peer} announced a ${length}-byte control frame; frames are 1..${MAX_CONTROL_FRAME} bytes`);
        }
        this.want = length;
      }
      if (this.held < this.want) break;
      const body = this.take(this.want);
      this.want = -1;
      try {
        messages.push(JSON.parse(utf8.decode(body)));
      } catch (err) {
        throw new MvmError("RUN_CONTROL_PROTOCOL", `the ${this.peer} sent a control frame that is not UTF-8 JSON`, undefined, { cause: err });
      }
    }
    return messages;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.held);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.held = rest.length;
    return out;
  }
}
