/** @module The host daemon (one per MVM_HOME) and the client mvmctl reaches it through. */
export { connectDaemon, DaemonClient, DaemonCallError, type ConnectOptions } from "./client.ts";
export { runDaemon, type DaemonRun } from "./main.ts";
export { daemonPaths, instancePaths, checkSocketPaths } from "./home.ts";
export {
  CONTROL_PROTOCOL_VERSION, type ControlEvent, type ControlError, type InstanceView, type ResultOf, type StatusResult, type UpResult,
  type InvokeControlResult, type ExecControlResult, type DownResult, type TemplateView,
} from "./control-protocol.ts";
export type { InputArg } from "./inputs.ts";
export { describeState, holdsVm, type InstanceState, type StartTimings } from "./state.ts";
export { formatTimings } from "./timings.ts";
export { portText } from "./network.ts";
