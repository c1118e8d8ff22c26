import { open } from "node:fs/promises";

export interface FollowLines {
  /** Each complete line (without its "\n"); returning true stops the follow. */
  onLine(line: string): boolean;
  /** Called when the file has no more bytes, with the unterminated rest; false stops the follow (it may also throw). */
  keepWaiting(pending: string): boolean;
  pollMs: number;
}

/** Reads a file that another process is still writing (a VM's console log) line by line, from its start. */
export async function followLines(path: string, follow: FollowLines): Promise<{ stopped: "line" | "waiting"; pending: string }> {
  const fh = await open(path, "r");
  try {
    let offset = 0;
    let pending = "";
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        const lines = (pending + buf.subarray(0, bytesRead).toString("utf8")).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (follow.onLine(line)) return { stopped: "line", pending };
        continue;
      }
      if (!follow.keepWaiting(pending)) return { stopped: "waiting", pending };
      await new Promise((r) => setTimeout(r, follow.pollMs));
    }
  } finally {
    await fh.close();
  }
}
