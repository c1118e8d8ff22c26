import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Launch, MvmError, parseWith } from "@mvm/ir";
import { writeArtifacts } from "./artifacts.ts";
import { compileFile } from "./compile.ts";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mvm-artifacts-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const APP = (source = 'mvm.local_path(".")') => `import mvm

@mvm.app(name="demo", source=${source}, image=mvm.python_image(), before_start="echo own",
         addons=[mvm.addon(name="tools", before_start=["echo", "addon"])])
def greet(name: str, punctuation: str = "!") -> str:
    return f"hello {name}{punctuation}"
`;

test("--out writes workload.json as the printed bytes, launch.json, and the filtered source tree", async () => {
  const dir = project({
    "app.py": APP('mvm.local_path(".", exclude=["*.md", "secret/"])'),
    "lib/util.py": "X = 1\n",
    "README.md": "docs\n",
    "secret/key.txt": "k\n",
    ".env": "A=1\n",
    ".git/HEAD": "ref\n",
    "node_modules/x/index.js": "\n",
    "__pycache__/app.cpython-311.pyc": "\n",
    ".venv/bin/python": "\n",
  });
  const compiled = await compileFile("app.py", { cwd: dir });
  const out = join(dir, "build");
  writeArtifacts(compiled, out);

  assert.deepEqual(readFileSync(join(out, "workload.json")), Buffer.concat([compiled.bytes, Buffer.from("\n")]));
  const files = (readdirSync(join(out, "source"), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(join(out, "source").length + 1)).sort();
  assert.deepEqual(files, [".env", "app.py", "lib/util.py"]);

  const launch = parseWith(Launch, JSON.parse(readFileSync(join(out, "launch.json"), "utf8")), "launch.json");
  assert.equal(launch.ir_hash, createHash("sha256").update(compiled.bytes).digest("hex"));
  assert.equal(launch.app_file, "app.py");
  assert.equal(launch.source.file_count, 3);
  assert.deepEqual(launch.hooks.before_start, [{ kind: "argv", argv: ["echo", "addon"] }, { kind: "shell", line: "echo own" }]);
  assert.equal(launch.entrypoint.kind, "function");
  assert.deepEqual(launch.entrypoint.kind === "function" && launch.entrypoint.params, [
    { name: "name", has_default: false, type: "str" },
    { name: "punctuation", has_default: true, type: "str" },
  ]);
});

test("tree_hash follows the documented recipe, and changes with content and mode", async () => {
  const dir = project({ "app.py": APP(), "run.sh": "#!/bin/sh\n" });
  chmodSync(join(dir, "run.sh"), 0o755);
  symlinkSync("app.py", join(dir, "link.py"));
  const out = mkdtempSync(join(tmpdir(), "mvm-out-"));
  const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
  const expected = sha(
    `f app.py\0${sha(readFileSync(join(dir, "app.py")))}\n` +
    `l link.py\0${sha("app.py")}\n` +
    `x run.sh\0${sha("#!/bin/sh\n")}\n`,
  );
  const first = writeArtifacts(await compileFile(join(dir, "app.py")), out).launch.source.tree_hash;
  assert.equal(first, expected);
  chmodSync(join(dir, "run.sh"), 0o644);
  const second = writeArtifacts(await compileFile(join(dir, "app.py")), out).launch.source.tree_hash;
  assert.notEqual(second, first);
});

test("a failing compile writes nothing and an existing DIR keeps its other files", async () => {
  const dir = project({ "app.py": APP(), "bad.py": "import mvm\n@mvm.app(image=mvm.python_image(python=3.12))\ndef f(): pass\n" });
  const out = join(dir, "out");
  writeArtifacts(await compileFile(join(dir, "app.py")), out);
  writeFileSync(join(out, "notes.txt"), "mine\n");
  const before = readFileSync(join(out, "workload.json"));
  await assert.rejects(async () => writeArtifacts(await compileFile(join(dir, "bad.py")), out), (err: unknown) => err instanceof MvmError && err.code === "DECL_BAD_ARGUMENT");
  assert.deepEqual(readFileSync(join(out, "workload.json")), before);
  assert.equal(readFileSync(join(out, "notes.txt"), "utf8"), "mine\n");
  assert.deepEqual(readdirSync(out).sort(), ["launch.json", "notes.txt", "source", "workload.json"]);
});

test("a local_path that is not a directory is COMPILE_IO", async () => {
  const dir = project({ "app.py": APP('mvm.local_path("missing")') });
  const compiled = await compileFile(join(dir, "app.py"));
  assert.throws(() => writeArtifacts(compiled, join(dir, "out")), (err: unknown) => err instanceof MvmError && err.code === "COMPILE_IO");
  assert.equal(existsSync(join(dir, "out", "workload.json")), false);
});

test("an --out directory that cannot be created is COMPILE_IO, promptly (not Node's recursive-mkdir spin on /proc)", { timeout: 30_000 }, async () => {
  const dir = project({ "app.py": APP() });
  const compiled = await compileFile(join(dir, "app.py"));
  assert.throws(() => writeArtifacts(compiled, "/proc/mvm-no-such-dir/out"), (err: unknown) => err instanceof MvmError && err.code === "COMPILE_IO" && /ENOENT/.test(err.message));
});

test("a source tree larger than rootfs_size_mb is COMPILE_SOURCE_TOO_LARGE, and the whole filesystem is refused", async () => {
  const dir = project({ "app.py": APP().replace("image=mvm.python_image(),", "image=mvm.python_image(), resources=mvm.resources(rootfs_size_mb=1),"), "data.bin": "x".repeat(2 * 2 ** 20) });
  const big = await compileFile(join(dir, "app.py"));
  assert.throws(() => writeArtifacts(big, join(dir, "out")), (err: unknown) => err instanceof MvmError && err.code === "COMPILE_SOURCE_TOO_LARGE" && /data\.bin/.test(err.message));
  writeFileSync(join(dir, "root.py"), APP('mvm.local_path("/")'));
  const everything = await compileFile(join(dir, "root.py"));
  assert.throws(() => writeArtifacts(everything, join(dir, "out")), (err: unknown) => err instanceof MvmError && err.code === "COMPILE_SOURCE_TOO_LARGE" && /whole filesystem/.test(err.message));
});
