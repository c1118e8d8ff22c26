import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIN = join(ROOT, "packages/cli/bin/mvmctl.js");

function mvmctl(args: string[], cwd = ROOT) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
}

test("--version and -V print the package's version, the same as commander's --version among other arguments", () => {
  const version = `${JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")).version}\n`;
  for (const args of [["--version"], ["-V"], ["--version", "compile"]]) {
    const r = mvmctl(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, version, args.join(" "));
  }
});

test("compile prints the IR and one newline on stdout, and exits 0", () => {
  const r = mvmctl(["compile", "examples/python/hello-app/app.py"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\{"apps":\[.*"id":"hello-app","schema_version":"0\.1","volumes":\[\]\}\n$/);
});

test("a declaration error prints file:line:col, a code frame with a caret and a hint; stdout stays empty; exit 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "mvmctl-"));
  writeFileSync(join(dir, "app.py"), 'import mvm\n\n@mvm.app(image=mvm.python_image(), env={"GREETING": f"hi {1}"})\ndef greet(): pass\n');
  const r = mvmctl(["compile", "app.py"], dir);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  const lines = r.stderr.split("\n");
  assert.match(lines[0]!, /^app\.py:3:53: error\[COMPILE_NON_LITERAL\]: /);
  assert.equal(lines[1], '    3 | @mvm.app(image=mvm.python_image(), env={"GREETING": f"hi {1}"})');
  assert.equal(lines[2], `      | ${" ".repeat(52)}^^^^^^^^^`);
  assert.match(r.stderr, /^hint: f-strings are not literals/m);
});

test("an unknown flag is a usage error: exit 2", () => {
  const r = mvmctl(["compile", "--frobnicate", "app.py"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option '--frobnicate'/);
});

test("a file type compile does not read is COMPILE_UNSUPPORTED_FILE: exit 1", () => {
  const r = mvmctl(["compile", "README.md"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[COMPILE_UNSUPPORTED_FILE\]/);
});

test("a missing file is COMPILE_IO naming it", () => {
  const r = mvmctl(["compile", "nope/app.py"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[COMPILE_IO\]: cannot read nope\/app\.py: ENOENT/);
});

test("doctor --json reports the Tools and Runtime sections", () => {
  const r = mvmctl(["doctor", "--json"]);
  const report = JSON.parse(r.stdout) as { sections: { title: string; checks: { name: string; ok: boolean }[] }[] };
  assert.deepEqual(report.sections.map((s) => s.title), ["Tools", "Runtime"]);
  const names = report.sections.flatMap((s) => s.checks.map((c) => c.name));
  for (const name of ["TypeScript runner", "python3", "qemu", "accelerator", "kernel", "cc", "mke2fs"]) assert.ok(names.includes(name), `doctor lacks ${name}: ${names.join(", ")}`);
  assert.equal(r.status, report.sections.some((s) => s.checks.some((c) => !c.ok)) ? 1 : 0);
});

test("kernel finds or builds the guest kernel and prints a PVH-bootable ELF", () => {
  // On a cold cache this is where the kernel gets built (minutes); its progress goes to stderr.
  const r = spawnSync(process.execPath, [BIN, "kernel", "--json"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  assert.equal(r.status, 0);
  const kernel = JSON.parse(r.stdout) as { vmlinux: string; flavour: string };
  assert.ok(["mvm", "debian-cloud"].includes(kernel.flavour));
  assert.deepEqual([...readFileSync(kernel.vmlinux).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
});
