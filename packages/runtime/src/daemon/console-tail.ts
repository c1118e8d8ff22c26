/**
 * Follows the console log QEMU writes (guest serial output) and hands each complete line on, so the
 * instance log can stamp it with the time it appeared. The read offset is saved beside the log (at most
 * once a second), so a re-adopting daemon resumes where the dead one stopped instead of repeating the
 * boot. QEMU opens the console with O_APPEND, so a log past its cap can be truncated under it.
 */
import { watch, type FSWatcher } from "node:fs";
import { open, readFile, truncate, writeFile } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

/** A console log this large is truncated once read (its lines are in the instance log by then). */
const MAX_CONSOLE_BYTES = 8 * 1024 * 1024;
const READ_BYTES = 256 * 1024;
/** A safety net for missed inotify events; the watcher does the real work. */
const POLL_MS = 2_000;
const SAVE_OFFSET_MS = 1_000;
const MAX_PENDING_CHARS = 16 * 1024;

export class ConsoleTail {
  private offset = 0;
  private pending = "";
  // Keeps a UTF-8 sequence split across two reads whole.
  private readonly decoder = new StringDecoder("utf8");
  private reading = false;
  private again = false;
  private stopped = false;
  private watcher: FSWatcher | undefined;
  private readonly timer: NodeJS.Timeout;
  private lastSaved = 0;

  private constructor(private readonly path: string, private readonly offsetFile: string, private readonly onLine: (line: string) => void) {
    try {
      this.watcher = watch(path, () => this.kick());
      this.watcher.on("error", () => undefined);
    } catch {
      this.watcher = undefined;
    }
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  /** Starts following `path` from the offset saved in `offsetFile` (0 when there is none). */
  static async start(path: string, offsetFile: string, onLine: (line: string) => void): Promise<ConsoleTail> {
    // inotify needs the file to exist; QEMU later truncates this same inode rather than replacing it.
    await (await open(path, "a", 0o600)).close();
    const saved = Number((await readFile(offsetFile, "utf8").catch(() => "0")).trim());
    const tail = new ConsoleTail(path, offsetFile, onLine);
    tail.offset = Number.isSafeInteger(saved) && saved >= 0 ? saved : 0;
    tail.kick();
    return tail;
  }

  /** Reads what is there now; resolves when done (for a last read before the log is closed). */
  async drain(): Promise<void> {
    await this.readNew();
    if (this.pending) {
      this.onLine(this.pending);
      this.pending = "";
    }
    await this.saveOffset(true);
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    clearInterval(this.timer);
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    void this.readNew();
  }

  private async readNew(): Promise<void> {
    this.reading = true;
    try {
      const fh = await open(this.path, "r").catch(() => undefined);
      if (!fh) return;
      try {
        const size = (await fh.stat()).size;
        if (size < this.offset) this.offset = 0; // truncated under us
        const buf = Buffer.alloc(READ_BYTES);
        while (this.offset < size) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
          if (bytesRead === 0) break;
          this.offset += bytesRead;
          this.split(this.decoder.write(buf.subarray(0, bytesRead)));
        }
        if (this.offset > MAX_CONSOLE_BYTES) {
          await truncate(this.path, 0);
          this.offset = 0;
        }
      } finally {
        await fh.close();
      }
      await this.saveOffset(false);
    } catch {
      // the file vanished (instance removed) or is unreadable: the next kick tries again
    } finally {
      this.reading = false;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.readNew();
      }
    }
  }

  private split(text: string): void {
    const lines = (this.pending + text).split("\n");
    this.pending = lines.pop() ?? "";
    if (this.pending.length > MAX_PENDING_CHARS) {
      lines.push(this.pending);
      this.pending = "";
    }
    for (const line of lines) this.onLine(line.replace(/\r$/, ""));
  }

  private async saveOffset(now: boolean): Promise<void> {
    if (!now && Date.now() - this.lastSaved < SAVE_OFFSET_MS) return;
    this.lastSaved = Date.now();
    await writeFile(this.offsetFile, `${this.offset - Buffer.byteLength(this.pending)}\n`).catch(() => undefined);
  }
}
