import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { followLines } from "./follow-lines.ts";

test("followLines sees lines written after it started, split across writes, and stops at the line asked for", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "mvm-follow-")), "console.log");
  writeFileSync(file, "one\ntw");
  const seen: string[] = [];
  setTimeout(() => appendFileSync(file, "o\nthree\nfour\n"), 30);
  const r = await followLines(file, { pollMs: 5, onLine: (l) => (seen.push(l), l === "three"), keepWaiting: () => true });
  assert.deepEqual(seen, ["one", "two", "three"]);
  assert.equal(r.stopped, "line");
});

test("followLines stops when keepWaiting says so and returns the unterminated rest; a throw from it propagates", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "mvm-follow-")), "console.log");
  writeFileSync(file, "a\npartial");
  const r = await followLines(file, { pollMs: 5, onLine: () => false, keepWaiting: () => false });
  assert.deepEqual(r, { stopped: "waiting", pending: "partial" });
  await assert.rejects(followLines(file, { pollMs: 5, onLine: () => false, keepWaiting: () => { throw new Error("deadline"); } }), /deadline/);
});
