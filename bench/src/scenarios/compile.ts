/** `mvmctl compile app.py` (static, never runs the file) vs `python3 app.py` emitting in process: the same bytes, whole processes. */
import { join } from "node:path";
import { ratioRow, type Row } from "../report.ts";
import { sideBySide, type SamplePlan } from "../sampling.ts";
import { summarize } from "../stats.ts";
import { MVMCTL, ROOT, runOk, SEED_APP, type Workspace } from "../workspace.ts";

export async function compileRow(ws: Workspace, plan: SamplePlan): Promise<Row> {
  ws.log(`mvmctl compile vs python3 app.py, ${plan.samples} each after ${plan.warmups} warm-ups`);
  let compiled = "";
  let emitted = "";
  const runs = await sideBySide(plan, async () => {
    const r = await runOk([process.execPath, MVMCTL, "compile", SEED_APP], ws.env);
    compiled = r.stdout;
    return r.ms;
  }, async () => {
    const r = await runOk(["python3", SEED_APP], { PYTHONPATH: join(ROOT, "sdk/python"), MVM_SDK_MODE: "emit" });
    emitted = r.stdout;
    return r.ms;
  });
  if (compiled !== emitted) throw new Error("mvmctl compile and python3 app.py printed different IR bytes");
  return ratioRow("compile_vs_python", "mvmctl compile app.py vs python3 app.py (in-process emit), same bytes",
    { label: "mvmctl compile", summary: summarize(runs.a) }, { label: "python3 app.py", summary: summarize(runs.b) }, 1.3);
}
