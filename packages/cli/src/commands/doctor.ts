import { toolsDoctorChecks } from "@mvm/compiler";
import { runtimeDoctorChecks } from "@mvm/runtime";
import type { DoctorCheck } from "@mvm/ir";
import pc from "picocolors";

export interface DoctorFlags {
  json?: boolean;
}

/** Prints the Tools and Runtime sections; exits 1 when a check fails. */
export async function doctorCommand(flags: DoctorFlags): Promise<void> {
  const sections: { title: string; checks: DoctorCheck[] }[] = [
    { title: "Tools", checks: await toolsDoctorChecks() },
    { title: "Runtime", checks: await runtimeDoctorChecks() },
  ];
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ sections }, null, 2)}\n`);
  } else {
    for (const section of sections) {
      process.stdout.write(`${pc.bold(section.title)}\n`);
      for (const c of section.checks) {
        process.stdout.write(`  ${c.ok ? pc.green("ok  ") : pc.red("FAIL")} ${c.name}: ${c.detail}\n`);
        if (!c.ok && c.hint) process.stdout.write(`${c.hint.replace(/^/gm, "       ")}\n`);
      }
    }
  }
  if (sections.some((s) => s.checks.some((c) => !c.ok))) process.exitCode = 1;
}
