import { writeSync } from "node:fs";
import { compileFile, writeArtifacts } from "@mvm/compiler";
import { notice } from "../report.ts";

export interface CompileFlags {
  out?: string;
}

/** Prints the canonical IR (bytes + newline) to stdout, or writes the artifact directory with --out. */
export async function compileCommand(file: string, flags: CompileFlags): Promise<void> {
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
