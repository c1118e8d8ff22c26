/**
 * `up` from a snapshot template (docs/snapshots.md): find or make the app's template, restore a clone of it,
 * give it this instance's clock, entropy and identity, and hand it to the instance as its VM. A template the
 * app cannot have (its VM failed as a cold boot would) fails the `up`; anything else that keeps a clone
 * from answering is reported and answered with a cold boot, and a template that failed is removed.
 */
import { MvmError } from "@mvm/ir";
import { issueSecretTokens, secretEnv } from "./secret-tokens.ts";
import { daemonPaths } from "./home.ts";
import type { Instance, InstanceContext } from "./instance.ts";
import type { StartTimings } from "./state.ts";
import { restoreClone, TemplateUnavailable, type ObtainedTemplate } from "../snapshot/index.ts";
import type { ImageManifest } from "@mvm/builder";

/** How long a clone gets to answer after its restore before `up` gives up on it and boots cold. */
const CLONE_ANSWER_MS = 60_000;

export type CloneOutcome = { timings: StartTimings } | { coldReason: string };

export async function cloneBoot(
  ctx: InstanceContext, instance: Instance, app: { name: string; manifest: ImageManifest }, giveUpAt: number,
  note: (message: string, warning?: boolean) => void,
): Promise<CloneOutcome> {
  const startedAt = Date.now();
  const spec = instance.vmSpec();
  let obtained: ObtainedTemplate;
  try {
    obtained = await ctx.templates.obtain({
      app, network: instance.record.network, spec, runDir: daemonPaths(ctx.home).runDir, consoleLog: instance.paths.console,
      values: (key) => ({ instanceId: `template-${key.slice(0, 12)}`, env: secretEnv(issueSecretTokens(app.manifest.env)) }),
      deadlineMs: Math.max(1, giveUpAt - startedAt),
      note: (message) => note(message),
    });
  } catch (err) {
    if (!(err instanceof TemplateUnavailable)) throw err;
    note(`no snapshot template: ${err.message}${err.hint ? ` (${err.hint})` : ""}; booting cold`, true);
    return { coldReason: "no template" };
  }
  if (instance.isStopping) throw new MvmError("RUN_STOPPED", "brought down while starting");
  const { template } = obtained;
  const restoreAt = Date.now();
  await instance.setTemplate(template.key);
  let cloned;
  try {
    cloned = await restoreClone({
      backend: ctx.backend, template, spec: { ...spec, keepConsoleLog: true }, values: instance.values(),
      deadlineMs: Math.max(1, Math.min(CLONE_ANSWER_MS, giveUpAt - Date.now())),
      onVm: (vm) => instance.setState({ kind: "starting" }, vm.pid),
    });
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
    note(`could not restore a clone of template ${template.key.slice(0, 12)}: ${why}; removed it and booting cold`, true);
    await ctx.templates.forget(template.key, why);
    await instance.setTemplate(undefined);
    return { coldReason: "the restore failed" };
  }
  const vm = cloned.vm;
  if (instance.isStopping) {
    await vm.stop({ quitDeadlineMs: 2_000 });
    throw new MvmError("RUN_STOPPED", "brought down while starting");
  }
  instance.log.append("mvm", `restored from snapshot template ${template.key.slice(0, 12)} (pid ${vm.pid}); clock, entropy and identity are this instance's`);
  const link = instance.attachVm(vm);
  await link.connect(Math.max(1, giveUpAt - Date.now()));
  await instance.ready;
  const readyAt = Date.now();
  // restoreAt → the VMM up → the guest running → READY (hello, sync, configure, the link's own hello).
  const runningAt = restoreAt + cloned.vmmStartMs + cloned.restoreMs;
  return {
    timings: {
      vmm_start_ms: cloned.vmmStartMs,
      boot_to_ready_ms: readyAt - restoreAt - cloned.vmmStartMs,
      total_ms: readyAt - startedAt,
      template: template.key.slice(0, 12),
      ...(obtained.made ? { template_made_ms: obtained.made.totalMs } : {}),
      restore_ms: cloned.restoreMs,
      identity_ms: Math.max(0, readyAt - runningAt),
    },
  };
}
