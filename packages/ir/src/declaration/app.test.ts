import assert from "node:assert/strict";
import { test } from "node:test";
import { MvmError } from "../errors.ts";
import { validateWorkload } from "../validate.ts";
import { lowerApp, workloadOf } from "./app.ts";
import { callHelper } from "./helpers.ts";
import type { DeclValue } from "./values.ts";

const h = (name: string, kwargs: Record<string, DeclValue> = {}, positional: DeclValue[] = []) => callHelper(name, positional, kwargs, "python");
const pyCtx = { language: "python" as const, fileStem: "app", functionName: "my_fn" };
const tsCtx = { language: "node" as const, fileStem: "app" };
const image = () => h("python_image", { python: "3.12" });

test("Python defaults: name from the function, entrypoint from file stem + function, 1/256/512, local_path('.')", () => {
  const app = lowerApp({ image: image() }, pyCtx);
  assert.deepEqual(app, {
    name: "my-fn",
    source: { kind: "local_path", path: ".", include: ["**"], exclude: [] },
    image: { kind: "nix_packages", packages: ["python312"] },
    entrypoints: [{ kind: "function", language: "python", module: "app", function: "my_fn", format: "json", working_dir: "/app", env: {}, primary: true }],
    env: {},
    mounts: [],
    network: null,
    resources: { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 },
    dependencies: { kind: "none" },
  });
  assert.deepEqual(validateWorkload(workloadOf(app)).id, "my-fn");
});

test("env: a bare string is a literal, helpers keep their kind, keys are the guest variables", () => {
  const app = lowerApp({ image: image(), env: { A: "x", B: h("literal", {}, ["y"]), C: h("secret", {}, ["api-key"]) } }, pyCtx);
  assert.deepEqual({ ...app.env }, {
    A: { kind: "literal", value: "x" },
    B: { kind: "literal", value: "y" },
    C: { kind: "secret_ref", ref: { name: "api-key", mount: { kind: "env", var: "api-key" } } },
  });
});

test("hooks and addons are omitted when empty and kept per owner", () => {
  const bare = lowerApp({ image: image() }, pyCtx);
  assert.equal("hooks" in bare, false);
  assert.equal("addons" in bare, false);
  const app = lowerApp({ image: image(), addons: [h("addon", { name: "x", before_start: "a" })], before_start: "b" }, pyCtx);
  assert.deepEqual(app.addons, [{ name: "x", hooks: { before_start: [{ kind: "shell", line: "a" }] } }]);
  assert.deepEqual(app.hooks, { before_start: [{ kind: "shell", line: "b" }] });
});

const refused: { name: string; kwargs: Record<string, DeclValue>; ctx?: typeof pyCtx | typeof tsCtx; code: string; path: (string | number)[] }[] = [
  { name: "missing image", kwargs: {}, code: "DECL_MISSING_KWARG", path: ["image"] },
  { name: "TS without name", kwargs: { image: image() }, ctx: tsCtx, code: "DECL_MISSING_KWARG", path: ["name"] },
  { name: "TS without entrypoint", kwargs: { name: "a", image: image() }, ctx: tsCtx, code: "DECL_MISSING_KWARG", path: ["entrypoint"] },
  { name: "an unknown app keyword", kwargs: { image: image(), beforeStart: "x" }, code: "DECL_UNKNOWN_KWARG", path: ["beforeStart"] },
  { name: "an invalid app name", kwargs: { name: "Hello", image: image() }, code: "DECL_INVALID_NAME", path: ["name"] },
  { name: "a function name that still fails the pattern", kwargs: { image: image() }, ctx: { ...pyCtx, functionName: "_private" }, code: "DECL_INVALID_NAME", path: ["name"] },
  { name: "an invalid env key", kwargs: { image: image(), env: { "MY-VAR": "x" } }, code: "DECL_INVALID_NAME", path: ["env", "MY-VAR"] },
  { name: "a number as env value", kwargs: { image: image(), env: { A: 1 } }, code: "DECL_BAD_ARGUMENT", path: ["env", "A"] },
  { name: "image given as a plain string", kwargs: { image: "python312" }, code: "DECL_BAD_ARGUMENT", path: ["image"] },
  { name: "resources given as a dict", kwargs: { image: image(), resources: { cpu_cores: 1 } }, code: "DECL_BAD_ARGUMENT", path: ["resources"] },
  { name: "the same addon twice", kwargs: { image: image(), addons: [h("addon", { name: "x" }), h("addon", { name: "x" })] }, code: "DECL_BAD_ARGUMENT", path: ["addons", 1] },
  { name: "an empty hook list", kwargs: { image: image(), after_start: [] }, code: "DECL_EMPTY_HOOK", path: ["after_start"] },
];
for (const c of refused) {
  test(`${c.name} is ${c.code}`, () => {
    assert.throws(() => lowerApp(c.kwargs, c.ctx ?? pyCtx), (err: unknown) => {
      assert.ok(err instanceof MvmError, String(err));
      assert.equal(err.code, c.code);
      assert.deepEqual(err.path, c.path);
      return true;
    });
  });
}
