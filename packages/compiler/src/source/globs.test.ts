import assert from "node:assert/strict";
import { test } from "node:test";
import { compileGlob, globMatches } from "./globs.ts";

const cases: { pattern: string; path: string; dir?: boolean; want: boolean }[] = [
  { pattern: "**", path: "app.py", want: true },
  { pattern: "**", path: ".env", want: true },
  { pattern: "**", path: "a/.hidden/b.txt", want: true },
  { pattern: "*.py", path: "app.py", want: true },
  { pattern: "*.py", path: "pkg/mod.py", want: true },
  { pattern: "*.py", path: "app.pyc", want: false },
  { pattern: "/app.py", path: "pkg/app.py", want: false },
  { pattern: "/app.py", path: "app.py", want: true },
  { pattern: "src/*.ts", path: "src/a.ts", want: true },
  { pattern: "src/*.ts", path: "src/x/a.ts", want: false },
  { pattern: "src/**/*.ts", path: "src/a.ts", want: true },
  { pattern: "src/**/*.ts", path: "src/x/y/a.ts", want: true },
  { pattern: "build/", path: "build", dir: true, want: true },
  { pattern: "build/", path: "build", dir: false, want: false },
  { pattern: "data?.csv", path: "data1.csv", want: true },
  { pattern: "data?.csv", path: "data12.csv", want: false },
  { pattern: "a+b.txt", path: "a+b.txt", want: true },
  { pattern: "a+b.txt", path: "aab.txt", want: false },
];

for (const c of cases) {
  test(`${c.pattern} ${c.want ? "matches" : "does not match"} ${c.path}${c.dir ? "/" : ""}`, () => {
    assert.equal(globMatches(compileGlob(c.pattern), c.path, c.dir ?? false), c.want);
  });
}
