import assert from "node:assert/strict";
import { test } from "node:test";
import { MvmError } from "../errors.ts";
import { callHelper } from "./helpers.ts";
import { callHelperTs } from "./ts-args.ts";
import { DeclFloat, type DeclValue } from "./values.ts";

const py = (name: string, kwargs: Record<string, DeclValue> = {}, positional: DeclValue[] = []) => callHelper(name, positional, kwargs, "python").result.value;

const lowered: { name: string; got: () => unknown; want: unknown }[] = [
  { name: "local_path defaults include ** and exclude nothing", got: () => py("local_path", {}, ["."]), want: { kind: "local_path", path: ".", include: ["**"], exclude: [] } },
  { name: "python_image maps 3.12 to python312 and appends packages", got: () => py("python_image", { python: "3.12", packages: ["curl"] }), want: { kind: "nix_packages", packages: ["python312", "curl"] } },
  { name: "python_image defaults to 3.12", got: () => py("python_image"), want: { kind: "nix_packages", packages: ["python312"] } },
  { name: "node_image maps 22 to nodejs_22", got: () => py("node_image", { node: "22" }), want: { kind: "nix_packages", packages: ["nodejs_22"] } },
  { name: "nix_packages passes through", got: () => py("nix_packages", {}, [["jq", "ripgrep"]]), want: { kind: "nix_packages", packages: ["jq", "ripgrep"] } },
  { name: "resources defaults 1/256/512", got: () => py("resources"), want: { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 } },
  { name: "resources takes cpu as cpu_cores", got: () => py("resources", { cpu: 2, memory_mb: 512 }), want: { cpu_cores: 2, memory_mb: 512, rootfs_size_mb: 512 } },
  { name: "network ports default host to guest and proto to tcp", got: () => py("network", { mode: "bridge", ports: [{ guest: 8080 }] }), want: { mode: "bridge", ports: [{ guest: 8080, host: 8080, proto: "tcp" }] } },
  { name: "network without ports has ports []", got: () => py("network", { mode: "host" }), want: { mode: "host", ports: [] } },
  { name: "secret mounts as var ?? name", got: () => py("secret", {}, ["api-key"]), want: { kind: "secret_ref", ref: { name: "api-key", mount: { kind: "env", var: "api-key" } } } },
  { name: "secret keeps var as written", got: () => py("secret", { var: "API_KEY" }, ["api-key"]), want: { kind: "secret_ref", ref: { name: "api-key", mount: { kind: "env", var: "API_KEY" } } } },
  { name: "literal may be empty", got: () => py("literal", {}, [""]), want: { kind: "literal", value: "" } },
  { name: "entrypoint_function defaults primary to true", got: () => py("entrypoint_function", { module: "app", function: "greet" }), want: { module: "app", function: "greet", primary: true } },
  { name: "addon without hooks has no hooks key", got: () => py("addon", { name: "tools" }), want: { name: "tools" } },
  { name: "TS: localPath(path, {exclude})", got: () => callHelperTs("localPath", [".", { exclude: ["*.md"] }]).result.value, want: { kind: "local_path", path: ".", include: ["**"], exclude: ["*.md"] } },
  { name: "TS: secret(name, {var})", got: () => callHelperTs("secret", ["db", { var: "DB" }]).result.value, want: { kind: "secret_ref", ref: { name: "db", mount: { kind: "env", var: "DB" } } } },
  { name: "TS: pythonImage() with no options", got: () => callHelperTs("pythonImage", []).result.value, want: { kind: "nix_packages", packages: ["python312"] } },
];
for (const c of lowered) test(c.name, () => assert.deepEqual(c.got(), c.want));

const refused: { name: string; call: () => unknown; code: string; path?: (string | number)[] }[] = [
  { name: "an unknown helper", call: () => callHelper("gpu", [], {}, "python"), code: "DECL_UNKNOWN_HELPER" },
  { name: "a camelCase name in Python", call: () => callHelper("pythonImage", [], {}, "python"), code: "DECL_UNKNOWN_HELPER" },
  { name: "an unknown keyword", call: () => py("resources", { memoryMb: 1 }), code: "DECL_UNKNOWN_KWARG", path: ["memoryMb"] },
  { name: "a positional where only keywords go", call: () => py("python_image", {}, ["3.12"]), code: "DECL_POSITIONAL_ARG", path: [0] },
  { name: "a second positional", call: () => py("secret", {}, ["a", "b"]), code: "DECL_POSITIONAL_ARG", path: [1] },
  { name: "the positional again by keyword", call: () => py("secret", { name: "b" }, ["a"]), code: "DECL_DUPLICATE_KWARG", path: ["name"] },
  { name: "cpu and cpu_cores together", call: () => py("resources", { cpu: 1, cpu_cores: 1 }), code: "DECL_DUPLICATE_KWARG", path: ["cpu"] },
  { name: "a float where an integer goes", call: () => py("resources", { cpu_cores: new DeclFloat(1) }), code: "DECL_BAD_ARGUMENT", path: ["cpu_cores"] },
  { name: "a boolean where an integer goes", call: () => py("resources", { memory_mb: true }), code: "DECL_BAD_ARGUMENT", path: ["memory_mb"] },
  { name: "memory below the minimum", call: () => py("resources", { memory_mb: 4 }), code: "DECL_BAD_ARGUMENT", path: ["memory_mb"] },
  { name: "a python version as a number", call: () => py("python_image", { python: 3.12 }), code: "DECL_BAD_ARGUMENT", path: ["python"] },
  { name: "a malformed python version", call: () => py("python_image", { python: "3" }), code: "DECL_BAD_ARGUMENT", path: ["python"] },
  { name: "an empty nix package list", call: () => py("nix_packages", {}, [[]]), code: "DECL_BAD_ARGUMENT", path: ["packages"] },
  { name: "a missing required argument", call: () => py("entrypoint_function", { module: "app" }), code: "DECL_MISSING_KWARG", path: ["function"] },
  { name: "a bad secret name", call: () => py("secret", {}, ["API KEY"]), code: "DECL_INVALID_NAME", path: ["name"] },
  { name: "an unknown network mode", call: () => py("network", { mode: "nat" }), code: "DECL_BAD_ARGUMENT", path: ["mode"] },
  { name: "ports with mode none", call: () => py("network", { ports: [{ guest: 80 }] }), code: "DECL_BAD_ARGUMENT", path: ["ports"] },
  { name: "an unknown port key", call: () => py("network", { mode: "bridge", ports: [{ guest: 80, hostPort: 1 }] }), code: "DECL_UNKNOWN_KWARG", path: ["ports", 0, "hostPort"] },
  { name: "a port out of range", call: () => py("network", { mode: "bridge", ports: [{ guest: 70000 }] }), code: "DECL_BAD_ARGUMENT", path: ["ports", 0, "guest"] },
  { name: "a bad addon name", call: () => py("addon", { name: "Tools" }), code: "DECL_INVALID_NAME", path: ["name"] },
  { name: "TS: options that are not an object", call: () => callHelperTs("resources", [2]), code: "DECL_BAD_ARGUMENT", path: [0] },
  { name: "TS: a second options argument", call: () => callHelperTs("python_image", [{}, {}]), code: "DECL_POSITIONAL_ARG", path: [1] },
];
for (const c of refused) {
  test(`${c.name} is ${c.code}`, () => {
    assert.throws(c.call, (err: unknown) => {
      assert.ok(err instanceof MvmError, String(err));
      assert.equal(err.code, c.code);
      if (c.path) assert.deepEqual(err.path, c.path);
      return true;
    });
  });
}
