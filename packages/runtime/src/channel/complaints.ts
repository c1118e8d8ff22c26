import { MvmError } from "@mvm/ir";
import type { GuestCallError } from "./errors.ts";

/** Complaints kept for inspection; older ones are only counted. */
const COMPLAINTS_KEPT = 16;
/** Complaints in a row (no reply to a call between them) after which the channel closes: a guest that floods. */
export const COMPLAINT_BURST = 64;

/**
 * The agent's frame-level complaints (`error` with id 0: it could not read something the host sent), bounded: the
 * last COMPLAINTS_KEPT and a count. A 2M-frame flood once cost a host 1.6 GB holding them all.
 */
export class Complaints {
  private readonly kept: GuestCallError[] = [];
  private total = 0;
  private inARow = 0;

  get recent(): readonly GuestCallError[] {
    return this.kept;
  }

  get count(): number {
    return this.total;
  }

  /** Records one; throws RUN_BAD_FRAME (the channel closes) at COMPLAINT_BURST in a row. */
  add(complaint: GuestCallError): void {
    this.total++;
    this.kept.push(complaint);
    if (this.kept.length > COMPLAINTS_KEPT) this.kept.shift();
    if (++this.inARow >= COMPLAINT_BURST) {
      throw new MvmError("RUN_BAD_FRAME", `the agent sent ${COMPLAINT_BURST} frame-level errors in a row (the last: ${complaint.message})`,
        "a guest that floods error frames is broken or hostile; see the console log");
    }
  }

  /** A reply to a call arrived: the agent reads us fine, so the run of complaints is over. */
  replyArrived(): void {
    this.inARow = 0;
  }
}
