import { readFileSync } from "node:fs";
import { renderDiagnostic } from "@mvm/compiler";
import { MvmError } from "@mvm/ir";
import pc from "picocolors";

/** stderr lines: notices, warnings and errors. stdout carries only a command's result (e.g. IR bytes). */
export function notice(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Prints an error as a diagnostic with a code frame when it points into a readable file. */
export function reportError(err: unknown): void {
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
  process.stderr.write(`${renderDiagnostic(err, text)}\n`);
}
