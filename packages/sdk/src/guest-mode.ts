/**
 * `MVM_SDK_MODE=guest`: set by every mvm image (its agent.json env). Inside the microVM the declaration was
 * already compiled and built, so `app(...)` only hands the function back and emitting prints nothing
 * (an IR printed at import would land in the call's captured stdout).
 */
export const GUEST_SDK_MODE = "guest";

export function inGuest(): boolean {
  return process.env.MVM_SDK_MODE === GUEST_SDK_MODE;
}
