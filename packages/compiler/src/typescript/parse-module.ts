/**
 * Parses one TS/JS file with oxc-parser (DESIGN.md §3). oxc has no error recovery, so the first error
 * it reports is the one the user sees, as COMPILE_SYNTAX at its position.
 */
import { extname } from "node:path";
import { MvmError } from "@mvm/ir";
import { parseSync, type ParserOptions, type Program } from "oxc-parser";
import type { SourcePositions } from "../source-positions.ts";

type ParserSettings = Pick<ParserOptions, "lang" | "sourceType">;

/** How each extension is read; `.cjs`/`.cts` are CommonJS, everything else an ES module. */
const SETTINGS_BY_EXTENSION: { readonly [ext: string]: ParserSettings } = {
  ".ts": { lang: "ts", sourceType: "module" },
  ".mts": { lang: "ts", sourceType: "module" },
  ".cts": { lang: "ts", sourceType: "commonjs" },
  ".tsx": { lang: "tsx", sourceType: "module" },
  ".js": { lang: "js", sourceType: "module" },
  ".mjs": { lang: "js", sourceType: "module" },
  ".cjs": { lang: "js", sourceType: "commonjs" },
};

export const TYPESCRIPT_EXTENSIONS = Object.keys(SETTINGS_BY_EXTENSION);

export function parseModule(positions: SourcePositions): Program {
  const ext = extname(positions.file).toLowerCase();
  const settings = SETTINGS_BY_EXTENSION[ext];
  if (!settings) {
    throw new MvmError("COMPILE_UNSUPPORTED_FILE", `the TypeScript front end reads ${TYPESCRIPT_EXTENSIONS.join(" ")} files, not ${ext || "a file without extension"}`);
  }
  const result = parseSync(positions.file, positions.text, { ...settings, preserveParens: true });
  const first = result.errors.find((e) => String(e.severity) === "Error");
  if (first) {
    const label = first.labels[0];
    const start = label?.start ?? 0;
    throw new MvmError("COMPILE_SYNTAX", first.message, first.helpMessage ?? undefined, {
      location: positions.locate(start, label ? Math.max(label.end, start + 1) : start + 1),
    });
  }
  return result.program;
}
