// Subpaths: the CLI's daemon client frames with this too, and the packages' entries load zod and every schema.
import { MvmError } from "@mvm/ir/errors";
import { MAX_FRAME } from "@mvm/guest/limits";

/** One frame on the wire (PROTOCOL.md §Frames): 4-byte big-endian body length, then the body. */
export function encodeFrame(body: Buffer, maxFrame = MAX_FRAME): Buffer {
  if (body.length === 0 || body.length > maxFrame) {
    throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `frame body of ${body.length} bytes is outside 1..${maxFrame}`);
  }
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/**
 * Splits a byte stream into frame bodies. The announced length is checked before any of the body is kept, so a
 * peer can make it hold at most 4 + maxFrame bytes plus one read's worth. A bad length throws an MvmError; the
 * decoder is unusable after that (the stream has lost its framing).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private held = 0;
  private want = -1;

  /** `peer` names the sender in errors: the guest's channel and the daemon's control socket share this framing. */
  constructor(private readonly maxFrame = MAX_FRAME, private readonly peer = "guest") {}

  /** Bytes currently buffered, for tests that prove memory stays bounded. */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Takes back every byte held, partial frame included, and starts over (the framing is being re-found). */
  drain(): Buffer {
    const all = Buffer.concat(this.chunks, this.held);
    this.chunks = [];
    this.held = 0;
    this.want = -1;
    return all;
  }

  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.held += data.length;
    const bodies: Buffer[] = [];
    for (;;) {
      if (this.want < 0) {
        if (this.held < 4) break;
        const head = this.take(4);
        const length = head.readUInt32BE(0);
        if (length === 0) throw new MvmError("RUN_BAD_FRAME", `the ${this.peer} sent a frame of length 0`);
        if (length > this.maxFrame) {
          throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `the ${this.peer} announced a ${length}-byte frame; MAX_FRAME is ${this.maxFrame}`);
        }
        this.want = length;
      }
      if (this.held < this.want) break;
      bodies.push(this.take(this.want));
      this.want = -1;
    }
    return bodies;
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
