import { writeSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { compileFile, writeArtifacts } from "@mvm/compiler";
import { notice } from "../report.ts";

export interface CompileFlags {
  out?: string;
}

/** Prints the canonical IR (bytes + newline) to stdout, or writes the artifact directory with --out. */
export async function compileCommand(file: string, flags: CompileFlags): Promise<void> {
  // One file per process: the parser's wasm runs once, and V8's optimizing compile of it (TurboFan, on
  // background threads) only competes with the parse for the CPU. Baseline code alone took `mvmctl compile
  // app.py` from ~200 ms to ~160 ms (bench: compile_vs_python). Set before the parser's wasm is compiled.
  setFlagsFromString("--liftoff-only");
  const compiled = await compileFile(file, { onNotice: notice });
  if (flags.out) {
    const written = writeArtifacts(compiled, flags.out, notice);
    notice(`wrote ${written.dir}/{workload.json,launch.json,source/} (${written.launch.source.file_count} source files, ir_hash ${compiled.irHash})`);
  }
  writeAll(Buffer.concat([compiled.bytes, Buffer.from("\n")]));
}

function writeAll(bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(1, bytes, offset);
}
