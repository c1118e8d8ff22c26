/**
 * Issue 3 proof: no crash on any file of the host Python's standard library, each as it is and with an
 * `@mvm.app` function appended. Every file yields an IR or a clean MvmError located inside the file;
 * never another exception. third-party code under site-packages is not the standard library and is skipped.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { MvmError } from "@mvm/ir";
import { compilePython } from "./index.ts";

const APPENDED = '\nimport mvm\n@mvm.app(image=mvm.python_image(python="3.12"))\ndef appended_fn(x: int) -> int:\n    return x\n';

function stdlibFiles(): string[] {
  const root = execFileSync("python3", ["-c", 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: "utf8" }).trim();
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "site-packages" && entry.name !== "__pycache__") walk(path);
      else if (entry.isFile() && entry.name.endsWith(".py")) files.push(path);
    }
  };
  walk(root);
  return files.sort();
}

type Verdict = "ir" | `error:${string}`;

async function verdict(file: string, text: string): Promise<Verdict> {
  try {
    await compilePython(file, text);
    return "ir";
  } catch (err) {
    if (!(err instanceof MvmError)) throw new Error(`${file}: not an MvmError`, { cause: err });
    const where = err.location;
    assert.ok(where, `${file}: ${err.code} has no location`);
    const lines = text.split("\n").length;
    assert.ok(where.line >= 1 && where.line <= lines && where.column >= 1, `${file}: ${err.code} at ${where.line}:${where.column} is outside the file`);
    return `error:${err.code}`;
  }
}

test("every standard-library file, as is and with an app appended, compiles or fails cleanly", { timeout: 600_000 }, async (t) => {
  const files = stdlibFiles();
  assert.ok(files.length > 500, `only ${files.length} files found`);
  const counts = new Map<string, number>();
  const bump = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  const started = performance.now();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    bump(`as is → ${await verdict(file, text)}`);
    const appended = await verdict(file, text + APPENDED);
    bump(`appended → ${appended}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.diagnostic(`${files.length} files × 2 in ${seconds} s`);
  for (const [key, count] of [...counts].sort()) t.diagnostic(`${key}: ${count}`);
  // With the app appended, all but files that do not parse (test data, Python 2 samples) yield an IR.
  assert.ok((counts.get("appended → ir") ?? 0) > files.length * 0.9, "fewer than 90% of files compile with an app appended");
});
