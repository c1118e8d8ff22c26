/**
 * `mvmctl compile FILE`: picks the front end by extension, parses without running user code (or, for a
 * Sandbox script with no app declaration, runs it in record mode), and returns the canonical IR.
 */
import { readFileSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { canonicalBytes, irHash, MvmError, validateWorkload, type Language, type Workload } from "@mvm/ir";
import type { FrontEnd, FunctionParam } from "./front-end.ts";

export const PYTHON_EXTENSIONS = [".py"];
export const SCRIPT_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

export interface Compiled {
  /** The app file as the user named it, and resolved. */
  file: string;
  appFile: string;
  /** The declaring file's language; null for a record-mode workload (command entrypoint). */
  language: Language | null;
  workload: Workload;
  /** The canonical IR bytes, without the trailing newline; `irHash` is their sha256. */
  bytes: Buffer;
  irHash: string;
  params: FunctionParam[] | null;
}

export interface CompileOptions {
  /** Where record mode looks for ./node_modules/.bin runners; default process.cwd(). */
  cwd?: string;
  /** Notices for stderr (record mode's "running the script", the recording's sha256). */
  onNotice?: (line: string) => void;
}

export async function compileFile(file: string, options: CompileOptions = {}): Promise<Compiled> {
  const appFile = resolve(options.cwd ?? process.cwd(), file);
  const frontEnd = await frontEndFor(file);
  let text: string;
  try {
    text = readFileSync(appFile, "utf8");
  } catch (err) {
    throw new MvmError("COMPILE_IO", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
  const found = await frontEnd(file, text);
  if (found.kind === "app") return finish(file, appFile, found.language, found.workload, found.params);
  const { recordWorkload } = await import("./record-mode/index.ts");
  const recorded = await recordWorkload(appFile, { cwd: options.cwd ?? process.cwd(), onNotice: options.onNotice });
  return finish(file, appFile, null, recorded.workload, null);
}

function finish(file: string, appFile: string, language: Language | null, workload: Workload, params: FunctionParam[] | null): Compiled {
  const bytes = canonicalBytes(validateWorkload(workload));
  return { file, appFile, language, workload, bytes, irHash: irHash(bytes), params };
}

async function frontEndFor(file: string): Promise<FrontEnd> {
  const ext = extname(file).toLowerCase();
  if (PYTHON_EXTENSIONS.includes(ext)) return (await import("./python/index.ts")).compilePython;
  if (SCRIPT_EXTENSIONS.includes(ext)) return (await import("./typescript/index.ts")).compileTypeScript;
  throw new MvmError("COMPILE_UNSUPPORTED_FILE", `${basename(file)}: mvmctl compile reads ${[...PYTHON_EXTENSIONS, ...SCRIPT_EXTENSIONS].join(" ")} files`,
    "name the file that declares the app, e.g. mvmctl compile app.py");
}
