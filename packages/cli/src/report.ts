import { readFileSync } from "node:fs";
import { MvmError } from "@mvm/ir/errors";
import pc from "picocolors";

/** stderr lines: notices, warnings and errors. stdout carries only a command's result (e.g. IR bytes). */
export function notice(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Prints an error as a diagnostic with a code frame when it points into a readable file. */
export async function reportError(err: unknown): Promise<void> {
  if (!(err instanceof MvmError)) {
    process.stderr.write(`${pc.red("error")}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return;
  }
  let text: string | undefined;
  if (err.location) {
    try {
      text = readFileSync(err.location.file, "utf8");
    } catch {
      text = undefined;
    }
  }
  // The code frame renderer lives with the compiler; loading it only on an error keeps every start cheap.
  const { renderDiagnostic } = await import("@mvm/compiler");
  process.stderr.write(`${renderDiagnostic(err, text)}\n`);
}
