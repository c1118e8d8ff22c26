/**
 * Fuzzing in-process: thousands of seeded, deterministic mutations of the seed's TypeScript example
 * (deleted, duplicated, swapped and replaced tokens, random bytes, truncation). Each must compile or be
 * rejected with an MvmError located inside the file; anything else (a crash, a hang) fails the test.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { MvmError } from "@mvm/ir";
import { seededRandom } from "../../../../fixtures/seeded-random.ts";
import { compileTypeScript } from "./index.ts";

const EXAMPLE = readFileSync(new URL("../../../../examples/node/hello-app/app.ts", import.meta.url), "utf8");
const MUTANTS = 3000;
const SEED = 0x6d766d;

const TOKEN = /\s+|[A-Za-z_$][\w$]*|\d+|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`|[\s\S]/g;
const NOISE = ["\0", "{", "}", "(", ")", "[", "]", ",", ":", "`", '"', "'", "${", "/*", "//", "\\", "\n", "𝒳", "é", "\uD800", "=>", "...", "?.", "-", "as", "mvm.", "app(", "0x", "1e", "\u2028"];

function mutate(text: string, next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  let tokens = text.match(TOKEN) ?? [];
  const rounds = 1 + Math.floor(next() * 3);
  for (let r = 0; r < rounds && tokens.length > 0; r++) {
    const i = Math.floor(next() * tokens.length);
    switch (Math.floor(next() * 6)) {
      case 0: tokens.splice(i, 1); break;
      case 1: tokens.splice(i, 0, tokens[i]!); break;
      case 2: if (i + 1 < tokens.length) [tokens[i], tokens[i + 1]] = [tokens[i + 1]!, tokens[i]!]; break;
      case 3: tokens[i] = pick(tokens); break;
      case 4: tokens.splice(i, 0, pick(NOISE)); break;
      default: tokens = (tokens.join("").slice(0, Math.floor(next() * text.length)).match(TOKEN) ?? []);
    }
  }
  return tokens.join("");
}

/** The location must name the file and a position on one of its lines (the column may sit just past the end). */
function assertInside(err: MvmError, text: string, mutant: number): void {
  const where = `mutant ${mutant}: ${err.format()}\n--- source ---\n${text}`;
  const loc = err.location;
  assert.ok(loc, `no location on ${where}`);
  assert.equal(loc.file, "app.ts", where);
  const lines = text.split("\n");
  assert.ok(loc.line >= 1 && loc.line <= lines.length, `line out of range in ${where}`);
  assert.ok(loc.column >= 1 && loc.column <= [...(lines[loc.line - 1] ?? "")].length + 1, `column out of range in ${where}`);
}

test(`${MUTANTS} mutants of the TypeScript example compile or fail with a located MvmError`, { timeout: 120_000 }, async () => {
  const next = seededRandom(SEED);
  const outcomes = new Map<string, number>();
  for (let mutant = 0; mutant < MUTANTS; mutant++) {
    const text = mutate(EXAMPLE, next);
    try {
      const result = await compileTypeScript("app.ts", text);
      outcomes.set(result.kind, (outcomes.get(result.kind) ?? 0) + 1);
    } catch (err) {
      if (!(err instanceof MvmError)) assert.fail(`mutant ${mutant} crashed the compiler: ${String(err)}\n--- source ---\n${text}`);
      assertInside(err, text, mutant);
      outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
    }
  }
  if (process.env.MVM_FUZZ_REPORT) process.stderr.write(`${JSON.stringify([...outcomes])}\n`);
  // The mutants must exercise both outcomes, or the generator has stopped producing interesting input.
  assert.ok((outcomes.get("app") ?? 0) > 0 && (outcomes.get("COMPILE_SYNTAX") ?? 0) > 0, JSON.stringify([...outcomes]));
  assert.ok(outcomes.size >= 5, `only ${outcomes.size} distinct outcomes: ${JSON.stringify([...outcomes])}`);
});
