import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generatedFiles } from "./generated.ts";

for (const [path, text] of generatedFiles()) {
  test(`${path.replace(/.*\/(packages|sdk)\//, "$1/")} is up to date (run npm run gen)`, () => {
    assert.equal(readFileSync(path, "utf8"), text);
  });
}
