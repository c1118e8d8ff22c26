import { MvmError } from "@mvm/ir";
import { CHUNK_BYTES, MAX_PAYLOAD, MAX_STREAMS, PROTOCOL_VERSION } from "@mvm/guest";

/**
 * Reassembles chunked messages (PROTOCOL.md §Chunking) within MAX_STREAMS open streams and MAX_PAYLOAD bytes
 * across all of them (the agent sends one chunked message at a time, so a guest holding eight 64 MiB streams open
 * at once breaks the protocol); throws MvmError.
 */
export class ChunkAssembler {
  private streams = new Map<number, { nextSeq: number; parts: Buffer[]; bytes: number }>();
  private held = 0;

  /** Bytes held across all partial messages. */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Forgets every partial message (a new session: the rest of them will never come). */
  reset(): void {
    this.streams.clear();
    this.held = 0;
  }

  /** Adds one chunk; returns the whole message once its final chunk arrived. */
  push(chunk: { stream: number; seq: number; final: boolean; data: string }): Buffer | undefined {
    let s = this.streams.get(chunk.stream);
    if (!s) {
      if (chunk.seq !== 0) throw new MvmError("RUN_BAD_FRAME", `chunk ${chunk.seq} of unknown stream ${chunk.stream}`);
      if (this.streams.size >= MAX_STREAMS) throw new MvmError("RUN_BAD_FRAME", `more than ${MAX_STREAMS} chunked messages at once`);
      s = { nextSeq: 0, parts: [], bytes: 0 };
      this.streams.set(chunk.stream, s);
    }
    if (chunk.seq !== s.nextSeq) throw new MvmError("RUN_BAD_FRAME", `stream ${chunk.stream}: chunk ${chunk.seq}, expected ${s.nextSeq}`);
    if (chunk.data.length % 4 !== 0) throw new MvmError("RUN_BAD_FRAME", `stream ${chunk.stream}: data is not padded base64`);
    // Checked on the base64 length first, so a chunk past the budget is refused before it is decoded.
    if (this.held + (chunk.data.length / 4) * 3 - 2 > MAX_PAYLOAD) {
      throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `stream ${chunk.stream} passed MAX_PAYLOAD (${MAX_PAYLOAD} bytes across open streams)`);
    }
    const bytes = Buffer.from(chunk.data, "base64");
    s.bytes += bytes.length;
    this.held += bytes.length;
    if (this.held > MAX_PAYLOAD) throw new MvmError("RUN_PAYLOAD_TOO_LARGE", `stream ${chunk.stream} passed MAX_PAYLOAD (${MAX_PAYLOAD} bytes across open streams)`);
    s.parts.push(bytes);
    s.nextSeq++;
    if (!chunk.final) return undefined;
    this.streams.delete(chunk.stream);
    this.held -= s.bytes;
    return Buffer.concat(s.parts, s.bytes);
  }
}

/** Splits a message body larger than one frame into chunk frame objects for `stream`. */
export function chunkFrames(stream: number, body: Buffer): object[] {
  const frames: object[] = [];
  for (let off = 0, seq = 0; off < body.length; off += CHUNK_BYTES, seq++) {
    const end = Math.min(off + CHUNK_BYTES, body.length);
    frames.push({
      v: PROTOCOL_VERSION, type: "chunk", stream, seq, final: end === body.length,
      data: body.subarray(off, end).toString("base64"),
    });
  }
  return frames;
}
