// A record-mode script (a Sandbox API script, no mvm.app) compiles to a command entrypoint with files to
// bake; `mvmctl build` puts each recorded file at its absolute path, installs the template's packages
// (minimal: busybox, bash, coreutils) and configures the agent for a command, with no language runner.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mvmctl, ROOT } from "./build.test-helpers.ts";
import { imageFile, imageHas, imageMode } from "./image-files.test-helpers.ts";

const work = mkdtempSync(join(tmpdir(), "mvm-build-record-"));
const SCRIPT = `import { Sandbox } from "mvm-sdk";

const sb = await Sandbox.create({ template: "minimal", name: "recorded-app" });
await sb.files.write("/etc/greeting.txt", "hi from record mode\\n");
await sb.commands.run(["/bin/bash", "-c", "cat /etc/greeting.txt"]);
await sb.kill();
`;
let image: string;

before(() => {
  const project = join(work, "project");
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(join(ROOT, "packages/sdk"), join(project, "node_modules/mvm-sdk"));
  writeFileSync(join(project, "package.json"), '{"type":"module"}\n');
  writeFileSync(join(project, "script.ts"), SCRIPT);
  const compiled = mvmctl(["compile", join(project, "script.ts"), "--out", join(work, "out")], { MVM_TSX: join(ROOT, "node_modules/.bin/tsx") });
  assert.equal(compiled.status, 0, compiled.stderr);
  const built = mvmctl(["build", join(work, "out"), "--json"], { MVM_HOME: join(work, "home") });
  assert.equal(built.status, 0, built.stderr);
  image = (JSON.parse(built.stdout) as { image: { path: string } }).image.path;
});
after(() => rmSync(work, { recursive: true, force: true }));

test("each recorded file is baked at its absolute path with its mode", () => {
  assert.equal(imageFile(image, "/etc/greeting.txt"), "hi from record mode\n");
  assert.deepEqual(imageMode(image, "/etc/greeting.txt"), { type: "regular", mode: 0o644 });
});

test("the agent runs the recorded command; the template's packages are there and no language runner is", () => {
  const config = JSON.parse(imageFile(image, "/etc/mvm/agent.json")) as Record<string, any>;
  assert.equal(config.language, "command");
  assert.deepEqual(config.entrypoint, { kind: "command", command: ["/bin/bash", "-c", "cat /etc/greeting.txt"] });
  assert.equal(config.runner_argv, undefined);
  assert.ok(imageHas(image, "/usr/bin/bash") && imageHas(image, "/usr/bin/cat"));
  assert.ok(!imageHas(image, "/usr/lib/mvm/runner.py") && !imageHas(image, "/usr/lib/mvm/runner.mjs"));
  const manifest = JSON.parse(readFileSync(join(work, "home/apps/recorded-app/manifest.json"), "utf8")) as Record<string, any>;
  assert.equal(manifest.runtime.language, "command");
  assert.deepEqual(manifest.packages.filter((p: any) => p.attribute).map((p: any) => [p.attribute, p.package]), [["busybox", "busybox-static"], ["bash", "bash"], ["coreutils", "coreutils"]]);
});
