/**
 * Which TypeScript-aware runner executes a record-mode script, resolved exactly in SEED.md's order
 * ("TypeScript runner"): MVM_TSX, then ./node_modules/.bin/{tsx,bun,deno} (cwd-relative), then tsx, bun,
 * deno on PATH. `mvmctl doctor` shows the same answer, so it is exported for it.
 */
import { accessSync, constants, statSync } from "node:fs";
import { basename, delimiter, join, resolve } from "node:path";
import { MvmError } from "@mvm/ir";

export type RunnerName = "tsx" | "bun" | "deno";

/** Where the runner was found: the explicit pin, the project's lockfile-pinned install, or PATH. */
export type RunnerSource = "MVM_TSX" | "node_modules" | "PATH";

export interface ResolvedRunner {
  path: string;
  source: RunnerSource;
  /** The runner the binary is taken to be; an MVM_TSX pin is recognised by its file name, else treated as tsx. */
  name: RunnerName;
  /** Arguments before the script: deno needs `run --allow-all`. */
  args: string[];
}

const RUNNERS: readonly RunnerName[] = ["tsx", "bun", "deno"];

/** SEED.md's install table, printed whenever no runner resolves. */
export const RUNNER_INSTALL_HINT = [
  "install a TypeScript runner (tsx, bun or deno):",
  "  | OS               | Recipe                                                                         |",
  "  | macOS (Homebrew) | brew install tsx  or  brew install oven-sh/bun/bun  or  brew install deno      |",
  "  | Any (npm)        | npm install -g tsx                                                             |",
  "  | Any (pnpm)       | pnpm add -g tsx                                                                |",
  "  | Any (yarn)       | yarn global add tsx                                                            |",
  "  | Any (bun)        | the bun install script                                                         |",
  "  | Any (deno)       | the deno install script                                                        |",
  "or pin one per project: npm install --save-dev tsx (mvmctl compile picks up ./node_modules/.bin/tsx),",
  "or point MVM_TSX at any runner binary.",
].join("\n");

export interface RunnerLookup {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The first runner in SEED.md's order, or COMPILE_NO_RUNNER with the install table. */
export function resolveRunner({ cwd, env }: RunnerLookup): ResolvedRunner {
  const pinned = env.MVM_TSX;
  if (pinned) {
    const path = resolve(cwd, pinned);
    if (!isExecutableFile(path)) {
      throw new MvmError("COMPILE_NO_RUNNER", `MVM_TSX=${pinned} is not an executable file`, RUNNER_INSTALL_HINT);
    }
    const name = RUNNERS.find((r) => basename(path).startsWith(r)) ?? "tsx";
    return runner(path, "MVM_TSX", name);
  }
  for (const name of RUNNERS) {
    const path = join(cwd, "node_modules", ".bin", name);
    if (isExecutableFile(path)) return runner(path, "node_modules", name);
  }
  const dirs = (env.PATH ?? "").split(delimiter).filter((dir) => dir.length > 0);
  for (const name of RUNNERS) {
    for (const dir of dirs) {
      const path = join(resolve(cwd, dir), name);
      if (isExecutableFile(path)) return runner(path, "PATH", name);
    }
  }
  throw new MvmError("COMPILE_NO_RUNNER", "no TypeScript runner found to run the record-mode script (looked for MVM_TSX, ./node_modules/.bin/{tsx,bun,deno}, then tsx, bun, deno on PATH)",
    RUNNER_INSTALL_HINT);
}

function runner(path: string, source: RunnerSource, name: RunnerName): ResolvedRunner {
  return { path, source, name, args: name === "deno" ? ["run", "--allow-all"] : [] };
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
