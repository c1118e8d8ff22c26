/**
 * Record mode end to end with the real tsx: a real Sandbox script is run with MVM_SDK_MODE=record, the
 * SDK writes its recording, and the compiler lowers it. Failures (a throwing script, no recording, a
 * corrupt recording, a deadline) are COMPILE_RECORD_FAILED with what the script printed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { canonicalJson } from "@mvm/ir";
import { compileFile } from "../index.ts";
import { recordWorkload } from "./index.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const TSX = join(REPO, "node_modules/.bin/tsx");
const project = mkdtempSync(join(tmpdir(), "mvm-record-test-"));
after(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(join(project, "node_modules/.bin"), { recursive: true });
// An ES module project, as top-level await (what E2B-style scripts use) needs.
writeFileSync(join(project, "package.json"), '{ "type": "module" }\n');
symlinkSync(join(REPO, "packages/sdk"), join(project, "node_modules/mvm-sdk"));
symlinkSync(TSX, join(project, "node_modules/.bin/tsx"));

// Only the pinned runner and a PATH with the basics, so nothing on the host's PATH is picked by accident.
const pinnedEnv = (runner = TSX): NodeJS.ProcessEnv => ({ PATH: "/usr/bin:/bin", HOME: process.env.HOME, MVM_TSX: runner });

function script(name: string, body: string): string {
  const file = join(project, name);
  writeFileSync(file, `import { Sandbox } from "mvm-sdk";\n${body}`);
  return file;
}

test("a Sandbox script compiles through mvmctl compile's route, with ./node_modules/.bin/tsx", async () => {
  const file = script("web-server.ts", `
const sb = await Sandbox.create({ template: "node-22", env: { PORT: "8080" }, resources: { memory_mb: 512 } });
const info = await sb.files.write("/app/server.js", "require('http').createServer((q, s) => s.end('hi')).listen(8080)");
console.log("wrote", info.path);
const result = await sb.commands.run("npm install --omit=dev");
console.log("exit", result.exitCode, JSON.stringify(result.stdout));
await sb.commands.run(["node", "/app/server.js"]);
await sb.kill();
`);
  const notices: string[] = [];
  const compiled = await compileFile(file, { cwd: project, onNotice: (line) => notices.push(line) });
  assert.equal(compiled.language, null);
  assert.equal(canonicalJson(compiled.workload), canonicalJson({
    schema_version: "0.1", id: "web-server", volumes: [], extensions: {},
    apps: [{
      name: "web-server",
      source: { kind: "local_path", path: ".", include: ["**"], exclude: [] },
      image: { kind: "nix_packages", packages: ["nodejs_22"] },
      entrypoints: [{ kind: "command", command: ["node", "/app/server.js"], working_dir: "/app", env: {} }],
      env: { PORT: { kind: "literal", value: "8080" } },
      mounts: [], network: null,
      resources: { cpu_cores: 1, memory_mb: 512, rootfs_size_mb: 512 },
      dependencies: { kind: "none" },
      hooks: { before_start: [{ kind: "argv", argv: ["/bin/sh", "-c", "npm install --omit=dev"] }] },
      files: [{ path: "/app/server.js", bytes_b64: Buffer.from("require('http').createServer((q, s) => s.end('hi')).listen(8080)").toString("base64"), mode: "0644" }],
    }],
  }));
  assert.match(notices[0] ?? "", /web-server\.ts has no mvm\.app\(\.\.\.\) but uses Sandbox: running it in record mode with .*node_modules\/\.bin\/tsx \(node_modules\)/);
  const printed = /^recording sha256 ([0-9a-f]{64}) \((.+)\)$/.exec(notices[1] ?? "");
  assert.ok(printed, notices.join("\n"));
  const recording = readFileSync(printed[2]!);
  assert.equal(createHash("sha256").update(recording).digest("hex"), printed[1]);
  assert.match(recording.toString("utf8"), /^\{"recording_version":1,/);
});

test("E2B's Sandbox.create(template, options) form; the name defaults to the file stem", async () => {
  const file = script("worker.ts", 'const sb = await Sandbox.create("python-3.13", { name: "py-worker" });\nawait sb.commands.run(["python3", "-m", "http.server"]);\n');
  const { workload, recordingSha256 } = await recordWorkload(file, { cwd: project, env: pinnedEnv() });
  assert.equal(workload.id, "py-worker");
  assert.deepEqual(workload.apps[0]?.image.packages, ["python313"]);
  assert.match(recordingSha256, /^[0-9a-f]{64}$/);
});

test("a script that throws is COMPILE_RECORD_FAILED with its stderr tail", async () => {
  const file = script("throws.ts", 'await Sandbox.create({ template: "minimal" });\nthrow new Error("the database is down");\n');
  await assert.rejects(recordWorkload(file, { cwd: project, env: pinnedEnv() }), (err: { code: string; message: string }) => {
    assert.equal(err.code, "COMPILE_RECORD_FAILED");
    assert.match(err.message, /exited with 1/);
    assert.match(err.message, /the database is down/);
    return true;
  });
});

test("a script that exits non-zero after recording is still a failure", async () => {
  const file = script("exit3.ts", 'const sb = await Sandbox.create({ template: "minimal" });\nawait sb.commands.run("true");\nprocess.exit(3);\n');
  await assert.rejects(recordWorkload(file, { cwd: project, env: pinnedEnv() }), { code: "COMPILE_RECORD_FAILED", message: /exited with 3/ });
});

test("a script that never creates a Sandbox leaves no recording", async () => {
  const file = script("idle.ts", 'console.log(typeof Sandbox);\n');
  await assert.rejects(recordWorkload(file, { cwd: project, env: pinnedEnv() }), { code: "COMPILE_RECORD_FAILED", message: /left no recording[\s\S]*function/ });
});

test("a script past its deadline is stopped and reported", async () => {
  const file = script("hangs.ts", 'await Sandbox.create({ template: "minimal" });\nsetInterval(() => {}, 1000);\n');
  await assert.rejects(recordWorkload(file, { cwd: project, env: pinnedEnv(), timeoutMs: 4000 }), { code: "COMPILE_RECORD_FAILED", message: /did not finish within 4000 ms/ });
});

/** A stand-in runner (a shell script) that writes `recording` to MVM_SDK_OUT_PATH and logs its arguments. */
function fakeRunner(name: string, recording: string): { path: string; argsLog: string } {
  const dir = mkdtempSync(join(project, "fake-"));
  const path = join(dir, name);
  const argsLog = join(dir, "args");
  writeFileSync(path, `#!/bin/sh\necho "$@" > ${JSON.stringify(argsLog)}\nprintf '%s' ${shellQuote(recording)} > "$MVM_SDK_OUT_PATH"\n`);
  chmodSync(path, 0o755);
  return { path, argsLog };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

test("a corrupt recording is COMPILE_RECORD_FAILED, never trusted", async () => {
  const file = script("corrupt.ts", "");
  const wrongShape = fakeRunner("tsx", '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal"},"events":"rm -rf /"}]}');
  await assert.rejects(recordWorkload(file, { cwd: project, env: pinnedEnv(wrongShape.path) }), { code: "COMPILE_RECORD_FAILED", message: /events/ });
  const protoKey = fakeRunner("tsx", '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal","__proto__":{}},"events":[]}]}');
  await assert.rejects(recordWorkload(file, { cwd: project, env: pinnedEnv(protoKey.path) }), { code: "COMPILE_RECORD_FAILED", message: /__proto__/ });
});

test("deno is invoked as deno run --allow-all SCRIPT", async () => {
  const file = script("via-deno.ts", "");
  const runner = fakeRunner("deno", '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal"},"events":[{"op":"commands.run","cmd":"sleep infinity"}]}]}');
  const { workload } = await recordWorkload(file, { cwd: project, env: pinnedEnv(runner.path) });
  assert.equal(readFileSync(runner.argsLog, "utf8"), `run --allow-all ${file}\n`);
  assert.deepEqual(workload.apps[0]?.entrypoints[0], { kind: "command", command: ["/bin/sh", "-c", "sleep infinity"], working_dir: "/app", env: {} });
});

test("outside record mode the Sandbox API refuses with RECORD_NOT_RECORDING", () => {
  const file = script("plain-run.ts", 'await Sandbox.create({ template: "minimal" });\n');
  const run = spawnSync(TSX, [file], { cwd: project, encoding: "utf8", env: { ...process.env, MVM_SDK_MODE: "" } });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /RECORD_NOT_RECORDING/);
});

test("no runner at all is COMPILE_NO_RUNNER before anything runs", async () => {
  const empty = mkdtempSync(join(project, "empty-"));
  await assert.rejects(recordWorkload(join(project, "web-server.ts"), { cwd: empty, env: { PATH: empty } }), { code: "COMPILE_NO_RUNNER" });
});
