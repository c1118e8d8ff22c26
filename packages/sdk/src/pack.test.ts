// `npm pack` of mvm-sdk gives a tarball a user installs in a fresh directory outside this repository,
// with no registry: one ES module with its types, nothing of the private workspace packages, and the
// seed's TypeScript example type-checks against it and emits the same IR as `mvmctl compile`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SEED_TS = join(ROOT, "examples/node/hello-app/app.ts");
let work: string;
let project: string;
let tarball: string;
let workspaceManifest: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), "mvm-sdk-pack-"));
  workspaceManifest = readFileSync(join(ROOT, "packages/sdk/package.json"), "utf8");
  const packed = JSON.parse(execFileSync("npm", ["pack", "-w", "mvm-sdk", "--json", "--pack-destination", work], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as { filename: string }[];
  tarball = join(work, packed[0]?.filename ?? "");
  project = join(work, "user-project");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "package.json"), '{"name":"user-project","private":true,"type":"module"}\n');
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
});
after(() => rmSync(work, { recursive: true, force: true }));

test("packing leaves the workspace package.json as it was", () => {
  assert.equal(readFileSync(join(ROOT, "packages/sdk/package.json"), "utf8"), workspaceManifest);
});

test("the installed package is a bundle with types and no dependencies; nothing names a workspace package", () => {
  const dir = join(project, "node_modules/mvm-sdk");
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.scripts, undefined);
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(js|ts|json)$/.test(f)).sort();
  assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), files.join(", "));
  assert.ok(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no TypeScript sources");
  for (const f of files) assert.doesNotMatch(readFileSync(join(dir, f), "utf8"), /@mvm\//, `${f} refers to a workspace package`);
});

test("the seed's TypeScript example type-checks strictly against the published types", () => {
  copyFileSync(SEED_TS, join(project, "app.ts"));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, skipLibCheck: false, types: [] },
    files: ["app.ts"],
  }));
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("plain node runs it: the same IR bytes as mvmctl compile, and guest mode hands the function back", () => {
  // The seed's declaration, as JavaScript a user could run with `node app.mjs`.
  const js = readFileSync(SEED_TS, "utf8").replace("((name: string): string =>", "((name) =>");
  writeFileSync(join(project, "app.mjs"), `${js}\nconsole.log(greet("ari"));\n`);
  const env = { ...process.env, MVM_SDK_OUT_PATH: join(project, "ir.json"), MVM_SDK_MODE: "emit" };
  const emitted = spawnSync(process.execPath, ["app.mjs"], { cwd: project, encoding: "utf8", env });
  assert.equal(emitted.status, 0, emitted.stderr);
  assert.equal(emitted.stdout, "hello ari\n");
  const compiled = execFileSync(process.execPath, [join(ROOT, "packages/cli/bin/mvmctl.js"), "compile", SEED_TS], { encoding: "utf8" });
  assert.equal(readFileSync(join(project, "ir.json"), "utf8"), compiled);
  const guest = spawnSync(process.execPath, ["app.mjs"], { cwd: project, encoding: "utf8", env: { ...process.env, MVM_SDK_MODE: "guest", MVM_SDK_OUT_PATH: "" } });
  assert.equal(guest.stdout, "hello ari\n");
});
