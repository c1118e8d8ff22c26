/**
 * The literal forms the static reader accepts, as a table: each value is written in one app option and
 * must lower to the same IR fragment the SDK builds from the run-time value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { App } from "@mvm/ir";
import { compileTypeScript } from "./index.ts";

async function appOf(options: string, file = "app.ts"): Promise<App> {
  const text = `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({\n  name: "a",\n  image: mvm.nix_packages(["hello"]),\n  entrypoint: mvm.entrypoint_function({ module: "app", function: "f" }),\n${options}\n})(() => 1);\n`;
  const result = await compileTypeScript(file, text);
  assert.equal(result.kind, "app");
  if (result.kind !== "app") throw new Error("unreachable");
  const [app] = result.workload.apps;
  assert.ok(app);
  return app;
}

const shell = (line: string) => ({ before_start: [{ kind: "shell", line }] });
const argv = (...parts: string[]) => ({ before_start: [{ kind: "argv", argv: parts }] });

const hookCases: { name: string; value: string; want: unknown }[] = [
  { name: "a double-quoted string", value: '"make"', want: shell("make") },
  { name: "a single-quoted string with escapes", value: "'a\\tb\\u0041\\x42'", want: shell("a\tbAB") },
  { name: "a template without substitutions", value: "`make all`", want: shell("make all") },
  { name: "a multi-line template", value: "`line1\nline2`", want: shell("line1\nline2") },
  { name: "a string with astral characters", value: '"echo 𝒳 é"', want: shell("echo 𝒳 é") },
  { name: "a lone surrogate escape is kept as written", value: '"\\uD800"', want: shell("\uD800") },
  { name: "parentheses are transparent", value: '(("make"))', want: shell("make") },
  { name: "as const is transparent", value: '["make", "-j2"] as const', want: argv("make", "-j2") },
  { name: "satisfies is transparent", value: '"make" satisfies string', want: shell("make") },
  { name: "a non-null assertion is transparent", value: '"make"!', want: shell("make") },
  { name: "a list of strings is one argv", value: '["make", "-j2"]', want: argv("make", "-j2") },
  { name: "a trailing comma in a list", value: '["make",]', want: argv("make") },
  { name: "a hook helper", value: 'mvm.hook(["make"])', want: argv("make") },
  { name: "a mixed list lowers element by element", value: '["a", ["b", "c"], mvm.hook("d")]', want: { before_start: [{ kind: "shell", line: "a" }, { kind: "argv", argv: ["b", "c"] }, { kind: "shell", line: "d" }] } },
  { name: "undefined means not given", value: "undefined", want: undefined },
  { name: "null means not given", value: "null", want: undefined },
];

for (const c of hookCases) {
  test(`before_start: ${c.name}`, async () => {
    const app = await appOf(`  before_start: ${c.value},`);
    assert.deepEqual(app.hooks, c.want);
  });
}

test("a type assertion <T>x is transparent in .ts", async () => {
  assert.deepEqual((await appOf('  before_start: <string>"make",')).hooks, shell("make"));
});

const resourceCases: { name: string; value: string; want: App["resources"] }[] = [
  { name: "decimal integers", value: "{ cpu: 2, memory_mb: 512 }", want: { cpu_cores: 2, memory_mb: 512, rootfs_size_mb: 512 } },
  { name: "hex, exponent and separators are numbers", value: "{ cpu: 0x2, memory_mb: 1_024, rootfs_size_mb: 1e3 }", want: { cpu_cores: 2, memory_mb: 1024, rootfs_size_mb: 1000 } },
  { name: "2.0 is the integer 2, as at run time", value: "{ cpu_cores: 2.0 }", want: { cpu_cores: 2, memory_mb: 256, rootfs_size_mb: 512 } },
  { name: "string keys", value: '{ "cpu": 1, \'memory_mb\': 300 }', want: { cpu_cores: 1, memory_mb: 300, rootfs_size_mb: 512 } },
  { name: "a later duplicate key wins, as in JavaScript", value: "{ memory_mb: 128, memory_mb: 1024 }", want: { cpu_cores: 1, memory_mb: 1024, rootfs_size_mb: 512 } },
  { name: "no options means defaults", value: "", want: { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 } },
];

for (const c of resourceCases) {
  test(`resources: ${c.name}`, async () => {
    assert.deepEqual((await appOf(`  resources: mvm.resources(${c.value}),`)).resources, c.want);
  });
}

test("a negative number is read (and then refused by the shared lowering)", async () => {
  await assert.rejects(appOf("  resources: mvm.resources({ cpu: -1 }),"), { code: "DECL_BAD_ARGUMENT" });
});

test("a numeric key is the string key JavaScript makes of it", async () => {
  await assert.rejects(appOf("  resources: mvm.resources({ 1: 2 }),"), { code: "DECL_UNKNOWN_KWARG", message: /"1"/ });
});

test("comments and odd formatting", async () => {
  const app = await appOf('  // a comment\n  env: { /* inline */ A\n    :\n  "1" , },');
  assert.deepEqual({ ...app.env }, { A: { kind: "literal", value: "1" } });
});

test("env: strings, literal(), secret() with and without var", async () => {
  const app = await appOf('  env: { A: "x", B: mvm.literal(""), C: mvm.secret("api-key"), D: mvm.secret("db", { var: "DB_TOKEN" }) },');
  assert.deepEqual({ ...app.env }, {
    A: { kind: "literal", value: "x" },
    B: { kind: "literal", value: "" },
    C: { kind: "secret_ref", ref: { name: "api-key", mount: { kind: "env", var: "api-key" } } },
    D: { kind: "secret_ref", ref: { name: "db", mount: { kind: "env", var: "DB_TOKEN" } } },
  });
});

test("network ports with defaults, and a trailing undefined argument is no argument", async () => {
  const app = await appOf('  network: mvm.network({ mode: "bridge", ports: [{ guest: 8080 }, { guest: 53, host: 5353, proto: "udp" }] }, undefined),');
  assert.deepEqual(app.network, { mode: "bridge", ports: [{ guest: 8080, host: 8080, proto: "tcp" }, { guest: 53, host: 5353, proto: "udp" }] });
});

test("local_path with include and exclude, camel spelling", async () => {
  const app = await appOf('  source: mvm.localPath("./src", { include: ["**/*.ts"], exclude: ["**/*.test.ts"] }),');
  assert.deepEqual(app.source, { kind: "local_path", path: "./src", include: ["**/*.ts"], exclude: ["**/*.test.ts"] });
});

test("addons with hooks", async () => {
  const app = await appOf('  addons: [mvm.addon({ name: "cache", before_build: "warm", after_start: ["curl", "x"] })],');
  assert.deepEqual(app.addons, [{ name: "cache", hooks: { before_build: [{ kind: "shell", line: "warm" }], after_start: [{ kind: "argv", argv: ["curl", "x"] }] } }]);
});
