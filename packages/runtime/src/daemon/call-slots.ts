import { MvmError } from "@mvm/ir";

/** Calls waiting for a slot per instance; past this an invoke is refused with RUN_BUSY. */
const MAX_QUEUED = 4096;

/**
 * How many calls an instance runs in the guest at once: the agent's `max_inflight` (a call past it would be
 * answered `busy`), so the daemon queues the rest in arrival order instead of bouncing them.
 */
export class CallSlots {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: () => number) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when the caller may send its call; the caller must call the returned release exactly once. */
  async acquire(instance: string): Promise<() => void> {
    if (this.running >= this.limit()) {
      if (this.queue.length >= MAX_QUEUED) {
        throw new MvmError("RUN_BUSY", `instance ${instance} already has ${MAX_QUEUED} calls waiting`, "send fewer calls at once");
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next(); // the slot passes straight to the next caller
      else this.running--;
    };
  }
}
