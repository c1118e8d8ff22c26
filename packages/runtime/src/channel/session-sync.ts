import { MAX_FRAME, PROTOCOL_VERSION } from "@mvm/guest";

/**
 * Finds this host's hello_ok in a byte stream whose framing may be lost (PROTOCOL.md §Sessions). Whatever the
 * guest sent before it belongs to an earlier session, possibly the tail of a frame whose start went to a host
 * that is gone, so until the hello_ok arrives nothing is read as frames: the scanner looks for the body prefix
 * the agent writes, `{"v":V,"type":"hello_ok","id":N,"session":"NONCE"`, behind a plausible length. The nonce is
 * fresh per client, so no stale frame can carry it. Holds at most one frame (MAX_FRAME) plus the prefix.
 */
export class HelloScanner {
  private held: Buffer = Buffer.alloc(0);
  private needle: Buffer;

  constructor(helloId: number, private readonly nonce: string) {
    this.needle = HelloScanner.prefix(helloId, nonce);
  }

  private static prefix(id: number, nonce: string): Buffer {
    return Buffer.from(`{"v":${PROTOCOL_VERSION},"type":"hello_ok","id":${id},"session":"${nonce}"`);
  }

  /** A later hello() while still scanning (the first timed out): look for its reply instead. */
  expect(helloId: number): void {
    this.needle = HelloScanner.prefix(helloId, this.nonce);
  }

  /** Bytes held while scanning, for tests that prove memory stays bounded. */
  get bufferedBytes(): number {
    return this.held.length;
  }

  /** Feeds bytes; once the hello_ok frame is whole, returns its body and the bytes after it. */
  push(data: Buffer): { body: Buffer; rest: Buffer } | undefined {
    this.held = this.held.length ? Buffer.concat([this.held, data]) : data;
    for (let from = 4; ; ) {
      const at = this.held.indexOf(this.needle, from);
      if (at < 0) break;
      const length = this.held.readUInt32BE(at - 4);
      if (length >= this.needle.length && length <= MAX_FRAME) {
        if (this.held.length < at + length) {
          this.held = this.held.subarray(at - 4); // wait for the rest of this frame
          return undefined;
        }
        const found = { body: this.held.subarray(at, at + length), rest: this.held.subarray(at + length) };
        this.held = Buffer.alloc(0);
        return found;
      }
      from = at + 1;
    }
    const keep = this.needle.length + 3;
    if (this.held.length > keep) this.held = Buffer.from(this.held.subarray(this.held.length - keep));
    return undefined;
  }
}
