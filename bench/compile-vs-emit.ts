/**
 * Static compile vs the in-process route, for the seed's two examples, measured side by side (runs
 * interleaved) in one run: `mvmctl compile FILE` against `MVM_SDK_MODE=emit python3 app.py` /
 * `MVM_SDK_MODE=emit node --import tsx app.ts` — whole processes, as a user runs them — and the compiler
 * library warm in this process. Usage: npx tsx bench/compile-vs-emit.ts [runs=9]
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { compileFile } from "@mvm/compiler";
import { formatMs, median } from "./stats.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.argv[2] ?? 9);
const MVMCTL = [process.execPath, `${ROOT}packages/cli/bin/mvmctl.js`, "compile"];

const examples = [
  { name: "python", file: "examples/python/hello-app/app.py", emit: ["python3", "examples/python/hello-app/app.py"] },
  { name: "typescript", file: "examples/node/hello-app/app.ts", emit: [process.execPath, "--import", "tsx", "examples/node/hello-app/app.ts"] },
];

function timeProcess(argv: string[], env: Record<string, string> = {}): { ms: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: "utf8", env: { ...process.env, PYTHONPATH: `${ROOT}sdk/python`, ...env } });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

for (const ex of examples) {
  const staticMs: number[] = [];
  const emitMs: number[] = [];
  const libraryMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = timeProcess([...MVMCTL, ex.file]);
    const e = timeProcess(ex.emit, { MVM_SDK_MODE: "emit" });
    if (s.stdout !== e.stdout) throw new Error(`${ex.name}: the two routes disagree`);
    const t0 = performance.now();
    await compileFile(ex.file, { cwd: ROOT });
    libraryMs.push(performance.now() - t0);
    staticMs.push(s.ms);
    emitMs.push(e.ms);
  }
  const [st, em, lib] = [median(staticMs), median(emitMs), median(libraryMs)];
  console.log(`${ex.name}: mvmctl compile ${formatMs(st)} · in-process emit ${formatMs(em)} · ratio static/emit ${(st / em).toFixed(2)}× · compiler library warm ${formatMs(lib)} (${(lib / em).toFixed(3)}× of emit) · median of ${RUNS}, same bytes`);
}
