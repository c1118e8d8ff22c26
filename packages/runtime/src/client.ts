/**
 * @module @mvm/runtime/client — what the CLI's daemon-talking verbs need and nothing more: the daemon client,
 * the control protocol's types, and the formatting of what it answers. None of it loads the daemon, the VMM,
 * the channel or classic zod, so `mvmctl invoke` starts like `node` does (bench: cli_invoke_vs_node).
 */
export { connectDaemon, DaemonClient, DaemonCallError, type ConnectOptions } from "./daemon/client.ts";
export {
  CONTROL_PROTOCOL_VERSION, type ControlEvent, type ControlError, type InstanceView, type ResultOf, type StatusResult, type UpResult,
  type InvokeControlResult, type ExecControlResult, type DownResult, type TemplateView,
} from "./daemon/control-protocol.ts";
export type { InputArg } from "./daemon/inputs.ts";
export { describeState, holdsVm, type InstanceState, type StartTimings } from "./daemon/instance-state.ts";
export { formatTimings } from "./daemon/timings.ts";
export { portText } from "./daemon/network.ts";
