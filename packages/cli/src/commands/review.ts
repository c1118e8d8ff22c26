import type { Command } from "@commander-js/extra-typings";
import { parseGates, type Gate } from "../review/gates.ts";

interface ReviewFlags {
  json?: boolean;
  failOn?: Gate[];
  strict?: boolean;
}

/** `mvmctl review DIR`: everything the workload will get, for a person (or, with --json, a tool), and CI gates. */
export function define(program: Command): void {
  program.command("review")
    .description("Print everything a compile output gives its workload: image packages and versions, resources, network, env, secrets and their origins, hooks, files, signature")
    .argument("<dir>", "the compile output (mvmctl compile --out DIR)")
    .option("--json", "print the review as JSON")
    .option("--fail-on <gates>", "exit 1 when the workload gets any of these (comma-separated): network, ports, secrets, origins, hooks, before-build, addons, substitutions, unsigned", parseGates)
    .option("--strict", "resolve the image as build --strict would (a substitute version is an error)")
    .action(async (dir, flags) => review(dir, flags));
}

async function review(dir: string, flags: ReviewFlags): Promise<void> {
  const { mvmHome } = await import("@mvm/builder");
  const { collectReview } = await import("../review/collect.ts");
  const { trippedGates } = await import("../review/gates.ts");
  const r = await collectReview(dir, { home: mvmHome(), strict: flags.strict === true });
  const checked = flags.failOn ?? [];
  const tripped = trippedGates(checked, r);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...r, gates: { checked, failed: tripped } }, null, 2)}\n`);
  } else {
    const { renderReview } = await import("../review/render.ts");
    process.stdout.write(renderReview(r, { checked, tripped }));
  }
  if (tripped.length) {
    const { MvmError } = await import("@mvm/ir/errors");
    throw new MvmError("ADMIT_REVIEW_GATE", `review of ${r.dir} failed ${tripped.length === 1 ? "a gate" : `${tripped.length} gates`}: ${tripped.map((t) => `${t.gate} (${t.why})`).join("; ")}`,
      "change the app, or drop that gate from --fail-on if this workload may have it");
  }
}
