import type { Command } from "@commander-js/extra-typings";
import type { InstanceView } from "@mvm/runtime/client";
import { withDaemon } from "../daemon-connection.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { writeFully } from "../stream-write.ts";

export function define(program: Command): void {
  program
    .command("ps")
    .description("List instances: name, app, state, pid, uptime, memory, signer, forwarded ports (checked live)")
    .option("--json", "print the instances as JSON")
    .action(async (flags) => {
      process.exitCode = await ps(flags.json === true);
    });
}

async function ps(json: boolean): Promise<ExitCode> {
  const { instances } = await withDaemon((c) => c.request("ps"));
  if (json) {
    await writeFully(process.stdout, `${JSON.stringify(instances, null, 2)}\n`);
    return EXIT.OK;
  }
  const { portText } = await import("@mvm/runtime/client");
  const rows = [["NAME", "APP", "STATE", "PID", "UPTIME", "MEMORY", "SIGNER", "PORTS"], ...instances.map((i) => [
    i.name, i.app, i.state.kind + (i.channel_connected || i.state.kind === "dead" ? "" : " (agent unreachable)"), i.pid === null ? "-" : String(i.pid),
    i.uptime_ms === null ? "-" : duration(i.uptime_ms), i.memory_bytes === null ? "-" : `${Math.round(i.memory_bytes / 2 ** 20)} MiB`,
    i.signer ? `${i.signer.name} ${i.signer.key_id}` : "-",
    i.ports.length === 0 ? (i.network === "none" ? "none" : `${i.network}, no ports`) : i.ports.map(portText).join(", "),
  ])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  ")}\n`);
  for (const i of instances) if (i.state.kind === "dead") process.stdout.write(`${i.name}: ${deadReason(i)}\n`);
  return EXIT.OK;
}

function deadReason(i: InstanceView): string {
  return i.state.kind === "dead" ? `${i.state.reason} (at ${i.state.ended_at})` : "";
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
