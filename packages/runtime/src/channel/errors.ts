import { MvmError, type ErrorCode } from "@mvm/ir";
import type { ErrorFrame, WireErrorCode } from "@mvm/guest";

/** Each wire error code (PROTOCOL.md §Errors) and the host error code it surfaces as. */
export const WIRE_TO_RUN_CODE: Record<WireErrorCode, ErrorCode> = {
  timeout: "RUN_TIMEOUT",
  payload_too_large: "RUN_PAYLOAD_TOO_LARGE",
  runner_crashed: "RUN_RUNNER_CRASHED",
  invalid_entrypoint: "RUN_INVALID_ENTRYPOINT",
  not_ready: "RUN_NOT_READY",
  busy: "RUN_BUSY",
  bad_frame: "RUN_BAD_FRAME",
  unknown_type: "RUN_BAD_FRAME",
  unsupported_version: "RUN_UNSUPPORTED_VERSION",
  function_error: "RUN_FUNCTION_ERROR",
  hook_failed: "RUN_HOOK_FAILED",
  exec_failed: "RUN_EXEC_FAILED",
  internal: "RUN_AGENT_INTERNAL",
};

const HINTS: Partial<Record<WireErrorCode, string>> = {
  timeout: "raise the call's timeout, or make the function return sooner",
  not_ready: "wait for READY (waitForReady) before invoking",
  busy: "wait for calls in flight to finish, or raise max_inflight in the agent config",
  invalid_entrypoint: "check the entrypoint's module and function names, and that the module imports cleanly",
  hook_failed: "run the failing hook by hand inside the image; its stderr is in the message",
};

/** An `error` frame the agent sent in reply to one request; `frame` keeps the exception, stdout and stderr. */
export class GuestCallError extends MvmError {
  override name = "GuestCallError";
  constructor(readonly frame: ErrorFrame) {
    super(WIRE_TO_RUN_CODE[frame.code], `guest: ${frame.message}`, HINTS[frame.code]);
  }
}
