// The seed's promise, through the mvmctl CLI on real microVMs: both examples (Python and TypeScript, both
// named hello-app) go compile → build → up → invoke → `hello ari` → down exactly as the seed writes them;
// then an app a user writes in a directory of their own, with mvm-sdk installed from `npm pack`'s tarball,
// works the same way, and its TypeScript traceback names the user's .ts line.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupHome, mvmctl, psJson, qemuUnder, ROOT, tempHome } from "./run.test-helpers.ts";

let home: string;
let work: string;

before(async () => {
  home = await tempHome("seed");
  work = await mkdtemp(join(tmpdir(), "mvm-seed-work-"));
});
after(async () => {
  await cleanupHome(home);
  await rm(work, { recursive: true, force: true });
});

async function seedFlow(file: string, out: string): Promise<void> {
  const step = async (args: string[], cwd = ROOT) => {
    const r = await mvmctl(home, args, { cwd });
    assert.equal(r.status, 0, `mvmctl ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
    return r;
  };
  await step(["compile", file, "--out", out]);
  await step(["build", out]);
  const up = await step(["up", "hello-app", "--ready-timeout", "600"]);
  assert.match(up.stdout, /^hello-app ready in /m);
  const invoke = await step(["invoke", "hello-app", "--input", "name=ari"]);
  assert.equal(invoke.stdout, "hello ari\n");
  const down = await step(["down", "hello-app"]);
  assert.match(down.stdout, /^stopped hello-app/m);
  assert.deepEqual(await psJson(home), []);
  assert.equal(qemuUnder(home), undefined);
}

test("the seed's Python example: compile, build, up, invoke prints hello ari, down", async () => {
  await seedFlow("examples/python/hello-app/app.py", join(work, "hello-app-py"));
});

test("the seed's TypeScript example: the same commands, the same hello ari", async () => {
  await seedFlow("examples/node/hello-app/app.ts", join(work, "hello-app-ts"));
});

test("an app in the user's own directory, mvm-sdk from npm pack: typed inputs coerce and a traceback names the .ts line", async () => {
  const project = join(work, "user-app");
  execFileSync("mkdir", ["-p", project]);
  const packed = JSON.parse(execFileSync("npm", ["pack", "-w", "mvm-sdk", "--json", "--pack-destination", work],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as { filename: string }[];
  await writeFile(join(project, "package.json"), '{"name":"user-app","private":true,"type":"module"}\n');
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", join(work, packed[0]!.filename)], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
  await writeFile(join(project, "app.ts"), `import * as mvm from "mvm-sdk";

export const greet = mvm.app({
  name: "user-app",
  image: mvm.node_image({ node: "22" }),
  entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" }),
})((name: string, times: number = 1): string => \`hi \${name} x\${times}\`);

export function explode(): never {
  throw new Error("boom from the user's app");
}
`);
  const run = (args: string[]) => mvmctl(home, args, { cwd: project });
  assert.equal((await run(["compile", "app.ts", "--out", "out"])).status, 0);
  const build = await run(["build", "out"]);
  assert.equal(build.status, 0, build.stderr);
  const up = await run(["up", "user-app", "--ready-timeout", "600"]);
  assert.equal(up.status, 0, up.stderr);
  const call = await run(["invoke", "user-app", "--input", "name=ari", "--input", "times=3"]);
  assert.equal(call.stdout, "hi ari x3\n", call.stderr);
  const boom = await run(["invoke", "user-app", "--fn", "explode"]);
  assert.equal(boom.status, 1);
  assert.match(boom.stderr, /Error: boom from the user's app/);
  assert.match(boom.stderr, /app\.ts:10:\d+/, "the guest's stack names the .ts line (source maps)");
  assert.equal((await run(["down", "user-app"])).status, 0);
});
