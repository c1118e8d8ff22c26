import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MvmError } from "@mvm/ir";
import { EXIT, EXIT_CODE_TABLE, exitCodeFor, exitCodeHelp } from "./exit-codes.ts";

const cases: { code: ConstructorParameters<typeof MvmError>[0]; want: number }[] = [
  { code: "RUN_TIMEOUT", want: EXIT.TIMEOUT },
  { code: "BOOT_TIMEOUT", want: EXIT.TIMEOUT },
  { code: "RUN_VM_DIED", want: EXIT.CRASHED },
  { code: "RUN_RUNNER_CRASHED", want: EXIT.CRASHED },
  { code: "RUN_INSTANCE_DEAD", want: EXIT.CRASHED },
  { code: "RUN_INPUT_INVALID", want: EXIT.USAGE },
  { code: "RUN_FUNCTION_ERROR", want: EXIT.FAILED },
  { code: "RUN_DAEMON_LOST", want: EXIT.FAILED },
  { code: "BUILD_APP_NOT_FOUND", want: EXIT.FAILED },
  { code: "RUN_INSTANCE_NOT_FOUND", want: EXIT.FAILED },
];
for (const c of cases) {
  test(`${c.code} exits ${c.want}`, () => assert.equal(exitCodeFor(new MvmError(c.code, "x")), c.want));
}

test("an error that is not an MvmError exits 1", () => {
  assert.equal(exitCodeFor(new Error("boom")), EXIT.FAILED);
  assert.equal(exitCodeFor("boom"), EXIT.FAILED);
});

test("mvmctl --help and docs/run.md carry the same exit-code table", () => {
  const help = exitCodeHelp();
  const doc = readFileSync(new URL("../../../docs/run.md", import.meta.url), "utf8");
  for (const [code, meaning] of EXIT_CODE_TABLE) {
    assert.match(help, new RegExp(`^\\s+${code}  ${escape(meaning)}$`, "m"));
    assert.match(doc, new RegExp(`^\\| ${code} \\| ${escape(meaning)} \\|$`, "m"), `docs/run.md lacks the row for ${code}`);
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
