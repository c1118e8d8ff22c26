import type { Command } from "@commander-js/extra-typings";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { nonNegativeInt } from "../flag-parsers.ts";
import { writeFully } from "../stream-write.ts";

interface BenchFlags {
  samples: number;
  warmups: number;
  heavySamples: number;
  idle: number;
  parallel: number;
  warmInvokes: number;
  only?: string[];
  json?: boolean;
}

/** `mvmctl bench` (also `npm run bench`): every scenario of issue #11 side by side, as a table or JSON. */
export function define(program: Command): void {
  program
    .command("bench")
    .description("Measure mvm on this host, side by side in one run: clone vs cold up, invokes, CLI start-up, compile, boot, build, memory")
    .option("--samples <n>", "samples per row after the warm-ups", nonNegativeInt, 20)
    .option("--warmups <n>", "unmeasured runs before each row's samples", nonNegativeInt, 2)
    .option("--heavy-samples <n>", "samples of the rows that boot VMs or build images", nonNegativeInt, 5)
    .option("--idle <n>", "instances up at once for the memory row", nonNegativeInt, 8)
    .option("--parallel <n>", "clones started at once for the parallel row", nonNegativeInt, 16)
    .option("--warm-invokes <n>", "warm invokes measured", nonNegativeInt, 1000)
    .option("--only <groups...>", "only these rows: run cli compile boot build density")
    .option("--json", "print the report as JSON (samples included) instead of the table")
    .action(async (flags) => {
      process.exitCode = await bench(flags);
    });
}

async function bench(flags: BenchFlags): Promise<ExitCode> {
  const { formatTable, runBench } = await import("@mvm/bench");
  const report = await runBench({
    samples: Math.max(1, flags.samples), warmups: flags.warmups, heavySamples: Math.max(1, flags.heavySamples),
    idleInstances: Math.max(1, flags.idle), parallelClones: Math.max(1, flags.parallel), warmInvokes: flags.warmInvokes,
    only: flags.only ?? [], log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  await writeFully(process.stdout, flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
  return report.failures.length > 0 ? EXIT.FAILED : EXIT.OK;
}
