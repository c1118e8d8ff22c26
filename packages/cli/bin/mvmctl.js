#!/usr/bin/env node
// mvmctl runs the bundle in dist/ (`npm run build`, which `npm ci` runs), so it starts like `node` does.
// MVMCTL_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (the test suite runs the CLI tests both ways).
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Answered before the argument parser loads: commander and the command table are most of what every other
  // command pays at start-up (docs/bench.md), and printing a version needs neither. Same output as commander's.
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else if (process.env.MVMCTL_FROM_SOURCE === "1") {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
} else if (existsSync(new URL("../dist/main.js", import.meta.url))) {
  await import("../dist/main.js");
} else {
  process.stderr.write("error: mvmctl is not built: run `npm run build` in the mvm checkout (npm ci does it)\n");
  process.exit(1);
}
