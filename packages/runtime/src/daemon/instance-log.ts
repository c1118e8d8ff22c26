/**
 * An instance's timestamped log (`instances/<name>/instance.log`), what `mvmctl logs` prints: the guest
 * console (kernel, `mvm-agent:` and `mvm-runner:` lines), each invoke's stdout/stderr, and lifecycle lines
 * from the daemon. One line each: `<ISO time> <source> <text>`. The file rotates once to `.1` past its
 * cap; a failed write (a full disk) drops lines rather than stopping the instance.
 */
import { appendFile, readFile, rename, stat } from "node:fs/promises";

export type LogSource = "console" | "mvm" | "stdout" | "stderr";

/** Past this the log is renamed to instance.log.1 (one generation kept). */
const MAX_LOG_BYTES = 8 * 1024 * 1024;
/** Longest line kept; a guest printing without newlines cannot grow one line without bound. */
const MAX_LINE_CHARS = 16 * 1024;

export class InstanceLog {
  private readonly followers = new Set<(line: string) => void>();
  private writing: Promise<void> = Promise.resolve();
  private bytes = -1;
  /** Lines lost to failed writes since the last successful one. */
  droppedLines = 0;

  constructor(private readonly path: string, private readonly onWriteError: (message: string) => void) {}

  /** Appends `text` (split into lines) under `source`; `tag` (e.g. `invoke#7`) follows the source. */
  append(source: LogSource, text: string, tag?: string): void {
    const now = new Date().toISOString();
    const prefix = `${now} ${source.padEnd(7)}${tag ? ` ${tag}` : ""} `;
    const lines = text.replace(/\r?\n$/, "").split(/\r?\n/).map((l) => `${prefix}${l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}…` : l}`);
    for (const line of lines) for (const f of this.followers) f(line);
    const chunk = `${lines.join("\n")}\n`;
    this.writing = this.writing.then(() => this.write(chunk, lines.length));
  }

  /** Calls `onLine` with every line appended from now on, until the returned function is called. */
  follow(onLine: (line: string) => void): () => void {
    this.followers.add(onLine);
    return () => this.followers.delete(onLine);
  }

  /** The last `tail` lines written so far (all when absent), oldest first, including the rotated file. */
  async read(tail?: number): Promise<string[]> {
    await this.writing;
    const text = [await readFile(`${this.path}.1`, "utf8").catch(() => ""), await readFile(this.path, "utf8").catch(() => "")].join("");
    const lines = text.split("\n").filter((l) => l !== "");
    return tail === undefined ? lines : lines.slice(Math.max(0, lines.length - tail));
  }

  /** Resolves once every line appended so far is on disk (or dropped). */
  flushed(): Promise<void> {
    return this.writing;
  }

  private async write(chunk: string, lineCount: number): Promise<void> {
    try {
      if (this.bytes < 0) this.bytes = await stat(this.path).then((s) => s.size, () => 0);
      if (this.bytes + chunk.length > MAX_LOG_BYTES) {
        await rename(this.path, `${this.path}.1`).catch(() => undefined);
        this.bytes = 0;
      }
      await appendFile(this.path, chunk, { mode: 0o600 });
      this.bytes += Buffer.byteLength(chunk);
      if (this.droppedLines > 0) {
        const dropped = this.droppedLines;
        this.droppedLines = 0;
        await appendFile(this.path, `${new Date().toISOString()} mvm     (${dropped} log lines were lost: the disk was full or unwritable)\n`).catch(() => undefined);
      }
    } catch (err) {
      if (this.droppedLines === 0) this.onWriteError(`cannot write ${this.path}: ${(err as Error).message}`);
      this.droppedLines += lineCount;
    }
  }
}
