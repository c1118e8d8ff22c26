/**
 * Writes the files derived from packages/ir: the JSON Schema of the Workload IR and the Python SDK's copy
 * of the error-code table. `npm run gen` runs it; generated.test.ts fails when a committed copy is stale.
 */
import { writeFileSync } from "node:fs";
import { generatedFiles } from "../src/generated.ts";

for (const [path, text] of generatedFiles()) {
  writeFileSync(path, text);
  process.stderr.write(`wrote ${path}\n`);
}
