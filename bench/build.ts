/**
 * `mvmctl build` of the seed examples, side by side in one run: a cold build (an empty layer cache of its
 * own: agent, Debian base and Node fetched and made; the kernel already built, passed as MVM_KERNEL), a
 * warm one (layers cached, the app's source changed) and a cached rebuild (unchanged input). Each is the
 * real CLI as a child process, timed wall to wall. Medians, the cached/cold ratio (goal ≤ 0.05) and the
 * image sizes.
 * Usage: npx tsx bench/build.ts [runs=3]
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { resolveGuestKernel } from "@mvm/builder";
import { formatMs, median } from "./stats.ts";

const RUNS = Number(process.argv[2] ?? 3);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MVMCTL = join(ROOT, "packages/cli/bin/mvmctl.js");
const SEEDS = [
  { label: "Python seed", file: "examples/python/hello-app/app.py" },
  { label: "TypeScript seed", file: "examples/node/hello-app/app.ts" },
];

const kernel = await resolveGuestKernel();
const work = mkdtempSync(join(tmpdir(), "mvm-bench-build-"));

function mvmctl(args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [MVMCTL, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`mvmctl ${args.join(" ")} failed:\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

interface Sizes {
  imageBytes: number;
  usedBytes: number;
}
const results = SEEDS.map(() => ({ cold: [] as number[], warm: [] as number[], cached: [] as number[], sizes: undefined as Sizes | undefined }));

for (let i = 0; i < RUNS; i++) {
  for (const [s, seed] of SEEDS.entries()) {
    const run = join(work, `run${i}-${s}`);
    const env = { MVM_HOME: join(run, "home"), MVM_CACHE_DIR: join(run, "cache"), MVM_KERNEL: kernel.vmlinux, MVM_KERNEL_FLAVOUR: kernel.flavour };
    const appDir = join(run, "app");
    const appFile = join(appDir, seed.file.slice(seed.file.lastIndexOf("/") + 1));
    spawnSync("mkdir", ["-p", appDir]);
    copyFileSync(join(ROOT, seed.file), appFile);
    mvmctl(["compile", appFile, "--out", join(run, "out")], env);
    const cold = mvmctl(["build", join(run, "out"), "--json"], env);
    const cached = mvmctl(["build", join(run, "out"), "--json"], env);
    if (!(JSON.parse(cached.stdout) as { cached: boolean }).cached) throw new Error("the rebuild of unchanged input was not a cache hit");
    const comment = appFile.endsWith(".py") ? "#" : "//";
    writeFileSync(appFile, `${readFileSync(appFile, "utf8")}\n${comment} changed for the warm build (${i})\n`);
    mvmctl(["compile", appFile, "--out", join(run, "out")], env);
    const warm = mvmctl(["build", join(run, "out"), "--json"], env);
    const summary = JSON.parse(warm.stdout) as { image: { size_bytes: number; used_bytes: number } };
    results[s]!.cold.push(cold.ms);
    results[s]!.cached.push(cached.ms);
    results[s]!.warm.push(warm.ms);
    results[s]!.sizes = { imageBytes: summary.image.size_bytes, usedBytes: summary.image.used_bytes };
    rmSync(run, { recursive: true, force: true });
    process.stderr.write(`[run ${i + 1}/${RUNS}] ${seed.label}: cold ${formatMs(cold.ms)}, warm ${formatMs(warm.ms)}, cached ${formatMs(cached.ms)}\n`);
  }
}
rmSync(work, { recursive: true, force: true });

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const lines = [`mvmctl build, ${RUNS} runs each (kernel prebuilt: ${kernel.vmlinux}):`];
for (const [s, seed] of SEEDS.entries()) {
  const r = results[s]!;
  const range = (xs: number[]) => `median ${formatMs(median(xs))}  (min ${formatMs(Math.min(...xs))}, max ${formatMs(Math.max(...xs))})`;
  lines.push(
    `  ${seed.label}:`,
    `    cold (empty layer cache)          ${range(r.cold)}`,
    `    warm (layers cached, app changed) ${range(r.warm)}`,
    `    cached rebuild (unchanged input)  ${range(r.cached)}`,
    `    ratio cached / cold               ${(median(r.cached) / median(r.cold)).toFixed(3)}   (warm / cold ${(median(r.warm) / median(r.cold)).toFixed(2)})`,
    `    image                             ${mib(r.sizes?.imageBytes ?? 0)} file (rootfs_size_mb), ${mib(r.sizes?.usedBytes ?? 0)} used on disk`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
