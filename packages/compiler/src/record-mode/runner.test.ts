/**
 * Runner resolution follows SEED.md's order exactly. Fake executables in temp directories stand in for
 * tsx, bun and deno: only the ORDER is under test here (record-mode.test.ts runs the real tsx).
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { MvmError } from "@mvm/ir";
import { resolveRunner, RUNNER_INSTALL_HINT } from "./runner.ts";

const root = mkdtempSync(join(tmpdir(), "mvm-runner-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;

type Place = "pin" | "local-tsx" | "local-bun" | "local-deno" | "path-tsx" | "path-bun" | "path-deno";

/** A fresh cwd and PATH holding fake runners at `places`; PATH lists bun's dir before tsx's to prove order is by runner. */
function layout(places: Place[]): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = join(root, `case-${dirCount++}`);
  const bin = join(cwd, "node_modules/.bin");
  const pathDirs = { tsx: join(cwd, "p1"), bun: join(cwd, "p0"), deno: join(cwd, "p2") };
  for (const dir of [bin, ...Object.values(pathDirs)]) mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { PATH: [pathDirs.bun, pathDirs.tsx, pathDirs.deno].join(":") };
  for (const place of places) {
    if (place === "pin") {
      fakeExecutable(join(cwd, "pinned-runner"));
      env.MVM_TSX = "pinned-runner";
    } else {
      const [where, name] = place.split("-") as ["local" | "path", "tsx" | "bun" | "deno"];
      fakeExecutable(where === "local" ? join(bin, name) : join(pathDirs[name], name));
    }
  }
  return { cwd, env };
}

function fakeExecutable(path: string, mode = 0o755): void {
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, mode);
}

const cases: { name: string; places: Place[]; want: [string, string, string[]] }[] = [
  { name: "MVM_TSX wins over everything", places: ["pin", "local-tsx", "local-bun", "local-deno", "path-tsx", "path-bun", "path-deno"], want: ["MVM_TSX", "pinned-runner", []] },
  { name: "./node_modules/.bin/tsx comes next", places: ["local-tsx", "local-bun", "local-deno", "path-tsx", "path-bun", "path-deno"], want: ["node_modules", "node_modules/.bin/tsx", []] },
  { name: "then ./node_modules/.bin/bun", places: ["local-bun", "local-deno", "path-tsx", "path-bun", "path-deno"], want: ["node_modules", "node_modules/.bin/bun", []] },
  { name: "then ./node_modules/.bin/deno, with run --allow-all", places: ["local-deno", "path-tsx", "path-bun", "path-deno"], want: ["node_modules", "node_modules/.bin/deno", ["run", "--allow-all"]] },
  { name: "then tsx on PATH, even when bun's directory comes first in PATH", places: ["path-tsx", "path-bun", "path-deno"], want: ["PATH", "p1/tsx", []] },
  { name: "then bun on PATH", places: ["path-bun", "path-deno"], want: ["PATH", "p0/bun", []] },
  { name: "then deno on PATH", places: ["path-deno"], want: ["PATH", "p2/deno", ["run", "--allow-all"]] },
];

for (const c of cases) {
  test(`runner order: ${c.name}`, () => {
    const { cwd, env } = layout(c.places);
    const runner = resolveRunner({ cwd, env });
    assert.deepEqual([runner.source, runner.path, runner.args], [c.want[0], join(cwd, c.want[1]), c.want[2]]);
  });
}

test("a file that is not executable is skipped", () => {
  const { cwd, env } = layout(["path-deno"]);
  fakeExecutable(join(cwd, "node_modules/.bin/tsx"), 0o644);
  assert.equal(resolveRunner({ cwd, env }).path, join(cwd, "p2/deno"));
});

test("an MVM_TSX pin named after deno is run as deno", () => {
  const { cwd, env } = layout([]);
  fakeExecutable(join(cwd, "deno-2.1"));
  assert.deepEqual(resolveRunner({ cwd, env: { ...env, MVM_TSX: join(cwd, "deno-2.1") } }).args, ["run", "--allow-all"]);
});

test("an MVM_TSX pin that does not exist is COMPILE_NO_RUNNER, not a fallback", () => {
  const { cwd, env } = layout(["local-tsx"]);
  assert.throws(() => resolveRunner({ cwd, env: { ...env, MVM_TSX: "/nonexistent/tsx" } }), { code: "COMPILE_NO_RUNNER", message: /MVM_TSX=\/nonexistent\/tsx/ });
});

test("no runner anywhere is COMPILE_NO_RUNNER with every row of the seed's install table", () => {
  const { cwd, env } = layout([]);
  const err = (() => {
    try {
      resolveRunner({ cwd, env });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof MvmError);
  assert.equal(err.code, "COMPILE_NO_RUNNER");
  assert.equal(err.hint, RUNNER_INSTALL_HINT);
  for (const row of ["macOS (Homebrew)", "brew install tsx", "brew install oven-sh/bun/bun", "brew install deno", "Any (npm)", "npm install -g tsx",
    "Any (pnpm)", "pnpm add -g tsx", "Any (yarn)", "yarn global add tsx", "Any (bun)", "the bun install script", "Any (deno)", "the deno install script",
    "npm install --save-dev tsx"]) {
    assert.ok(RUNNER_INSTALL_HINT.includes(row), `the install hint lacks ${row}`);
  }
});
