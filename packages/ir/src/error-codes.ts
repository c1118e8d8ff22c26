/**
 * The one table of error codes. Both SDKs and every host stage raise these codes, so the same defect
 * carries the same code wherever it is found. Codes are stable: tests assert on them, never on wording.
 * The Python SDK's copy (`sdk/python/mvm/_error_codes.py`) is generated from this table.
 */
export const ERROR_CODES = {
  // Declaration: raised by the SDKs at declaration time and by the static compiler for the same defect.
  DECL_UNKNOWN_HELPER: "a call to something outside the helper allowlist",
  DECL_UNKNOWN_KWARG: "an argument name the helper or app() does not take",
  DECL_MISSING_KWARG: "a required argument is absent",
  DECL_DUPLICATE_KWARG: "the same argument given twice (e.g. cpu and cpu_cores)",
  DECL_POSITIONAL_ARG: "a positional argument where only keywords (or the options object) are accepted",
  DECL_BAD_ARGUMENT: "an argument of the wrong type or out of range",
  DECL_INVALID_NAME: "an app, addon, env or secret name that fails its pattern",
  DECL_EMPTY_HOOK: "an empty string or empty list given as a hook",
  DECL_SECOND_APP: "a second app declared in one file or process",
  DECL_NO_APP: "no app declared where one was required",
  // Static compile only: facts about source text that the in-process route never sees.
  COMPILE_SYNTAX: "the file does not parse",
  COMPILE_NON_LITERAL: "a value that is neither a literal nor a helper call",
  COMPILE_NOT_MODULE_LEVEL: "the app declaration is on a class, nested function or not at module level",
  COMPILE_UNSUPPORTED_FILE: "a file type the compiler does not read",
  COMPILE_IO: "a file or directory could not be read or written",
  COMPILE_RECORD_FAILED: "record mode: the script failed, or left no valid recording",
  COMPILE_NO_RUNNER: "record mode: no TypeScript runner (tsx, bun, deno) could be found",
  COMPILE_SOURCE_TOO_LARGE: "the local_path tree does not fit the declared rootfs_size_mb, or has too many files",
  // The IR itself.
  IR_INVALID: "a Workload or launch.json that does not match the schema",
  IR_NOT_CANONICAL: "a value canonical JSON cannot encode (non-integer number, undefined, cycle)",
  // Build: the guest kernel, host packages and image layers (packages/builder).
  BUILD_HOST_PACKAGE_MISSING: "a host package the build needs is absent and could not be installed",
  BUILD_COMMAND_FAILED: "a host command the build runs (tar, make, mke2fs, mmdebstrap, ...) failed",
  BUILD_KERNEL_CONFIG_DROPPED: "a kernel config fragment option did not survive make olddefconfig",
  BUILD_KERNEL_INVALID: "a kernel file is missing, not an ELF vmlinux, or lacks the PVH entry note",
  BUILD_CACHE_LOCKED: "another process held a cache entry's build lock past the deadline",
  BUILD_AGENT_FAILED: "the guest agent could not be compiled with the host cc",
  BUILD_APT_SOURCES: "no usable Debian mirror could be read from the host's apt configuration",
  BUILD_PAYLOAD_NOT_FOUND: "no compressed kernel payload (lz4/xz magic) in a vmlinuz image",
  BUILD_APP_NOT_FOUND: "no app of that name has been built (mvmctl images lists them)",
  BUILD_REGISTRY_CORRUPT: "an app's manifest in MVM_HOME/apps is missing, unreadable or does not match its schema",
  BUILD_MODULE_DEPS: "a kernel module dependency is missing or the dependencies form a cycle",
  // Boot: the VMM backend (packages/runtime/src/backend).
  BOOT_QEMU_MISSING: "qemu-system-x86_64 is not installed",
  BOOT_BAD_SPEC: "a VM spec that cannot be turned into a VMM command line",
  BOOT_VMM_EXITED: "the VMM process exited before the guest was up, or could not be started",
  BOOT_TIMEOUT: "the guest did not reach a boot milestone before the deadline",
  BOOT_QMP_FAILED: "the QMP monitor socket refused, closed early or answered with an error",
  // Run: the host↔guest channel and the guest agent (wire codes map 1:1, see guest/PROTOCOL.md §Errors).
  RUN_CONNECT_FAILED: "the channel socket did not accept a connection before the deadline",
  RUN_CHANNEL_CLOSED: "the channel closed (or was closed after a bad frame) with requests outstanding",
  RUN_BAD_FRAME: "a frame that breaks the protocol: bad length, bad JSON, schema violation or unknown type",
  RUN_UNSUPPORTED_VERSION: "the guest agent speaks no protocol version this host accepts",
  RUN_PAYLOAD_TOO_LARGE: "a frame or chunked message larger than the protocol's caps",
  RUN_TIMEOUT: "a call ran past its deadline",
  RUN_NOT_READY: "the agent is not READY (still starting, or stopping)",
  RUN_BUSY: "the agent already runs its maximum of calls in flight",
  RUN_RUNNER_CRASHED: "the language runner exited during the call",
  RUN_INVALID_ENTRYPOINT: "the configured module or function could not be loaded",
  RUN_FUNCTION_ERROR: "the user's function raised; the exception travels with the error",
  RUN_HOOK_FAILED: "a before_start or after_start hook failed, so the agent never became READY",
  RUN_EXEC_FAILED: "the agent could not start the requested command",
  RUN_AGENT_INTERNAL: "the agent hit an internal error",
  RUN_SESSION_RESET: "a call made before hello() began the host's session; the agent drops the replies of calls from before a session",
  // Record mode: the SDK's Sandbox API (packages/sdk/src/sandbox), which only records under `mvmctl compile`.
  RECORD_NOT_RECORDING: "the Sandbox API was used outside record mode (MVM_SDK_MODE=record, set by mvmctl compile)",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
