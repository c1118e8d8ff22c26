import type { Command } from "@commander-js/extra-typings";
import { MvmError } from "@mvm/ir/errors";
import type { TemplateView } from "@mvm/runtime/client";
import { withDaemon } from "../daemon-connection.ts";
import { writeFully } from "../stream-write.ts";

/** `mvmctl snapshot ls|rm|prune`: the snapshot templates `up` clones (docs/snapshots.md), through the daemon that owns them. */
export function define(program: Command): void {
  const snapshot = program.command("snapshot").description("Manage snapshot templates: what `up` clones instead of booting cold");
  snapshot.command("ls").alias("list")
    .description("List templates: key, status (current/stale/invalid), app, size on disk, running clones")
    .option("--json", "print the templates as JSON")
    .action(async (flags) => {
      const { templates } = await withDaemon((c) => c.request("snapshot_ls"));
      await print(templates, flags.json === true, "no snapshot templates (the first `mvmctl up` of an app makes its template)");
    });
  snapshot.command("rm")
    .description("Remove templates by key prefix or app name (running clones keep running)")
    .argument("[selectors...]", "key prefixes (4+ hex characters) or app names")
    .option("--all", "remove every template")
    .option("--json", "print the removed templates as JSON")
    .action(async (selectors, flags) => {
      if (selectors.length === 0 && !flags.all) {
        throw new MvmError("RUN_INPUT_INVALID", "mvmctl snapshot rm needs key prefixes or app names, or --all", "mvmctl snapshot ls lists the templates");
      }
      const { removed } = await withDaemon((c) => c.request("snapshot_rm", { selectors, all: flags.all === true }));
      await print(removed, flags.json === true, "nothing removed");
    });
  snapshot.command("prune")
    .description("Remove every template no app of this MVM_HOME would clone (rebuilt or removed apps, an upgraded QEMU), and leftovers")
    .option("--json", "print the removed templates and the bytes freed as JSON")
    .action(async (flags) => {
      const result = await withDaemon((c) => c.request("snapshot_prune"));
      if (flags.json) return void (await writeFully(process.stdout, `${JSON.stringify(result, null, 2)}\n`));
      await print(result.removed, false, "nothing to prune");
      if (result.removed.length > 0) process.stdout.write(`freed ${mib(result.freed_bytes)}\n`);
    });
}

async function print(templates: TemplateView[], json: boolean, none: string): Promise<void> {
  if (json) return void (await writeFully(process.stdout, `${JSON.stringify(templates, null, 2)}\n`));
  if (templates.length === 0) return void process.stdout.write(`${none}\n`);
  const rows = [["KEY", "STATUS", "APP", "CREATED", "DISK", "CLONES"], ...templates.map((t) => [
    t.key.slice(0, 12), t.status, t.apps.length > 0 ? t.apps.join(",") : (t.app ?? "-"), t.created_at?.replace("T", " ").slice(0, 19) ?? "-",
    mib(t.disk_bytes), String(t.clones),
  ])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  ")}\n`);
  for (const t of templates) if (t.reason) process.stdout.write(`${t.key.slice(0, 12)}: ${t.reason}\n`);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
