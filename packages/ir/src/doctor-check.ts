/** One line of `mvmctl doctor`, whichever stage checks it; `hint` says how to fix a failing check. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}
