/**
 * Issue 3 proof: thousands of mutated versions of the seed example (tokens deleted, duplicated, swapped;
 * random characters inserted; truncation), from a fixed seed so every run sees the same inputs. Each must
 * compile or fail with an MvmError whose file:line:col lies inside the mutated text; nothing else.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { MvmError } from "@mvm/ir";
import { seededRandom } from "../../../../fixtures/seeded-random.ts";
import { compilePython } from "./index.ts";

const EXAMPLE = new URL("../../../../examples/python/hello-app/app.py", import.meta.url);
const MUTANTS = 3000;
const SEED = 0x6d766d;
const ODD_CHARACTERS = ["(", ")", "[", "]", "{", "}", ",", ":", "=", "\"", "'", "\\", "\n", "\r", "\t", " ", "#", "@", "*", "f", "b", "r", "\0", "é", "😀", "\u2028", "\uFEFF", "\ud800", "'''", '"""', "\\N{", "\\x", "0x", "1_", "."];

function mutate(text: string, random: () => number): string {
  const tokens = text.match(/\w+|\s+|[^\w\s]/gu) ?? [];
  const pick = (n: number): number => Math.floor(random() * n);
  const rounds = 1 + pick(3);
  for (let round = 0; round < rounds; round++) {
    const at = pick(tokens.length);
    // Truncation is one case in nine: it almost always ends in a syntax error, which is the least interesting.
    switch (pick(9)) {
      case 0: case 1: tokens.splice(at, 1); break;
      case 2: case 3: tokens.splice(at, 0, tokens[at] ?? ""); break;
      case 4: case 5: tokens.splice(at, 2, tokens[at + 1] ?? "", tokens[at] ?? ""); break;
      case 6: case 7: tokens.splice(at, 0, ODD_CHARACTERS[pick(ODD_CHARACTERS.length)] ?? ""); break;
      default: tokens.splice(at); break;
    }
  }
  return tokens.join("");
}

function codePointLength(line: string): number {
  return [...line].length;
}

test(`${MUTANTS} mutants of the seed example compile or fail with a location inside the file`, { timeout: 300_000 }, async (t) => {
  const original = readFileSync(EXAMPLE, "utf8");
  const random = seededRandom(SEED);
  const codes = new Map<string, number>();
  for (let i = 0; i < MUTANTS; i++) {
    const text = mutate(original, random);
    try {
      await compilePython("app.py", text);
      codes.set("ir", (codes.get("ir") ?? 0) + 1);
    } catch (err) {
      if (!(err instanceof MvmError)) throw new Error(`mutant ${i} threw a non-MvmError:\n${text}`, { cause: err });
      const where = err.location;
      assert.ok(where, `mutant ${i}: ${err.code} without a location`);
      const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split("\n");
      const line = lines[where.line - 1];
      assert.ok(line !== undefined, `mutant ${i}: ${err.code} at line ${where.line} of ${lines.length}`);
      assert.ok(where.column >= 1 && where.column <= codePointLength(line) + 1, `mutant ${i}: ${err.code} at column ${where.column} of a ${codePointLength(line)}-column line`);
      codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
    }
  }
  for (const [code, count] of [...codes].sort()) t.diagnostic(`${code}: ${count}`);
});
