/** Whole processes, as a user's shell runs them, against `node -e 0`: `mvmctl invoke` on a warm instance and `mvmctl --version`. */
import { ratioRow, type Row } from "../report.ts";
import { sideBySide, type SamplePlan } from "../sampling.ts";
import { summarize } from "../stats.ts";
import { MVMCTL, runOk, type Workspace } from "../workspace.ts";

export async function cliStartRows(ws: Workspace, plan: SamplePlan): Promise<Row[]> {
  const node = () => runOk([process.execPath, "-e", "0"]).then((r) => r.ms);
  ws.log(`mvmctl invoke and mvmctl --version vs node -e 0, ${plan.samples} each after ${plan.warmups} warm-ups`);
  const invoke = await sideBySide(plan, async () => {
    const r = await runOk([process.execPath, MVMCTL, "invoke", "bench-warm", "--input", "name=ari"], ws.env);
    if (r.stdout !== "hello ari\n") throw new Error(`mvmctl invoke printed ${JSON.stringify(r.stdout)}`);
    return r.ms;
  }, node);
  const version = await sideBySide(plan, () => runOk([process.execPath, MVMCTL, "--version"], ws.env).then((r) => r.ms), node);
  return [
    ratioRow("cli_invoke_vs_node", "whole mvmctl invoke process (warm instance) vs node -e 0",
      { label: "mvmctl invoke", summary: summarize(invoke.a) }, { label: "node -e 0", summary: summarize(invoke.b) }, 2),
    ratioRow("cli_version_vs_node", "mvmctl --version vs node -e 0",
      { label: "mvmctl --version", summary: summarize(version.a) }, { label: "node -e 0", summary: summarize(version.b) }, 1.3),
  ];
}
