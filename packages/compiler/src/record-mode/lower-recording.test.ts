/** Lowering a recording into a Workload (RECORDING.md "Lowering"), as tables of recordings and results. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { App } from "@mvm/ir";
import { lowerRecording } from "./lower-recording.ts";
import { parseRecording, type RecordedEvent, type Recording } from "./recording-schema.ts";

const ctx = { file: "script.ts", fileStem: "script" };
const run = (cmd: string | string[]): RecordedEvent => ({ op: "commands.run", cmd });
const write = (path: string, text: string): RecordedEvent => ({ op: "files.write", path, bytes_b64: Buffer.from(text).toString("base64") });

function recording(options: Recording["sandboxes"][number]["options"], events: RecordedEvent[]): Recording {
  return { recording_version: 1, sandboxes: [{ options, at: { line: 2, column: 18 }, events }] };
}

function appOf(rec: Recording): App {
  const [app] = lowerRecording(rec, ctx).apps;
  assert.ok(app);
  return app;
}

const templates: [string, string[]][] = [
  ["python-3.12", ["python312"]],
  ["python-3.13", ["python313"]],
  ["node-22", ["nodejs_22"]],
  ["node-lts", ["nodejs_22"]],
  ["minimal", ["busybox", "bash", "coreutils"]],
];

for (const [template, packages] of templates) {
  test(`template ${template} → ${packages.join(", ")}`, () => {
    assert.deepEqual(appOf(recording({ template }, [run("true")])).image, { kind: "nix_packages", packages });
  });
}

test("an unknown template is refused, listing the accepted ones, at Sandbox.create", () => {
  assert.throws(() => appOf(recording({ template: "ubuntu" }, [run("true")])), (err: { code: string; hint: string; location: { line: number } }) => {
    assert.equal(err.code, "DECL_BAD_ARGUMENT");
    assert.equal(err.hint, "use one of: python-3.12, python-3.13, node-22, node-lts, minimal");
    assert.equal(err.location.line, 2);
    return true;
  });
});

test("the whole app: defaults, last command as entrypoint, earlier ones as before_start argv hooks", () => {
  const app = appOf(recording({ template: "node-22", env: { PORT: "8080" } }, [run("npm ci"), run(["node", "build.js"]), write("/app/a.txt", "hi"), run(["node", "server.js"])]));
  assert.deepEqual(app, {
    name: "script",
    source: { kind: "local_path", path: ".", include: ["**"], exclude: [] },
    image: { kind: "nix_packages", packages: ["nodejs_22"] },
    entrypoints: [{ kind: "command", command: ["node", "server.js"], working_dir: "/app", env: {} }],
    env: { PORT: { kind: "literal", value: "8080" } },
    mounts: [],
    network: null,
    resources: { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 },
    dependencies: { kind: "none" },
    hooks: { before_start: [{ kind: "argv", argv: ["/bin/sh", "-c", "npm ci"] }, { kind: "argv", argv: ["node", "build.js"] }] },
    files: [{ path: "/app/a.txt", bytes_b64: Buffer.from("hi").toString("base64"), mode: "0644" }],
  });
});

test("a __proto__ key in a recording is refused, not silently dropped", () => {
  const text = '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal","env":{"__proto__":"x"}},"events":[{"op":"commands.run","cmd":"true"}]}]}';
  assert.throws(() => parseRecording(Buffer.from(text), "rec.json"), { code: "COMPILE_RECORD_FAILED", message: /__proto__/ });
});

test("a string command becomes /bin/sh -c", () => {
  assert.deepEqual(appOf(recording({ template: "minimal" }, [run("echo hi && sleep 1")])).entrypoints[0], {
    kind: "command", command: ["/bin/sh", "-c", "echo hi && sleep 1"], working_dir: "/app", env: {},
  });
});

test("a later write to the same path replaces the content in place", () => {
  const app = appOf(recording({ template: "minimal" }, [write("/a", "1"), write("/b", "2"), write("/a", "3"), run("true")]));
  assert.deepEqual(app.files?.map((f) => [f.path, Buffer.from(f.bytes_b64, "base64").toString()]), [["/a", "3"], ["/b", "2"]]);
});

test("name, resources and network lower as the helpers do", () => {
  const app = appOf(recording({ template: "minimal", name: "web", resources: { cpu: 2, memory_mb: 512 }, network: { mode: "bridge", ports: [{ guest: 80 }] } }, [run("true")]));
  assert.equal(app.name, "web");
  assert.deepEqual(app.resources, { cpu_cores: 2, memory_mb: 512, rootfs_size_mb: 512 });
  assert.deepEqual(app.network, { mode: "bridge", ports: [{ guest: 80, host: 80, proto: "tcp" }] });
});

const refusals: { name: string; rec: Recording; code: string; message?: RegExp }[] = [
  { name: "no sandbox", rec: { recording_version: 1, sandboxes: [] }, code: "COMPILE_RECORD_FAILED", message: /no Sandbox/ },
  { name: "two sandboxes", rec: { recording_version: 1, sandboxes: [{ options: { template: "minimal" }, events: [] }, { options: { template: "minimal" }, events: [] }] }, code: "DECL_SECOND_APP" },
  { name: "no command", rec: recording({ template: "minimal" }, [write("/a", "x")]), code: "COMPILE_RECORD_FAILED", message: /no entrypoint/ },
  { name: "a file stem that is not an app name", rec: recording({ template: "minimal", name: "Not_Valid" }, [run("true")]), code: "DECL_INVALID_NAME" },
  { name: "a relative file path", rec: recording({ template: "minimal" }, [write("app/x", ""), run("true")]), code: "DECL_BAD_ARGUMENT", message: /absolute/ },
  { name: "a path with ..", rec: recording({ template: "minimal" }, [write("/app/../etc/x", ""), run("true")]), code: "DECL_BAD_ARGUMENT" },
  { name: "an event after kill", rec: recording({ template: "minimal" }, [run("true"), { op: "kill" }, run("false")]), code: "COMPILE_RECORD_FAILED", message: /after kill/ },
  { name: "an empty command string", rec: recording({ template: "minimal" }, [run("")]), code: "DECL_EMPTY_HOOK" },
  { name: "a bad env variable name", rec: recording({ template: "minimal", env: { "A-B": "1" } }, [run("true")]), code: "DECL_INVALID_NAME" },
  { name: "resources out of range", rec: recording({ template: "minimal", resources: { memory_mb: 1 } }, [run("true")]), code: "DECL_BAD_ARGUMENT" },
  { name: "an unknown resources key", rec: recording({ template: "minimal", resources: { memoryMb: 512 } }, [run("true")]), code: "DECL_UNKNOWN_KWARG" },
];

for (const c of refusals) {
  test(`refused: ${c.name}`, () => {
    assert.throws(() => lowerRecording(c.rec, ctx), (err: { code: string; message: string }) => {
      assert.equal(err.code, c.code, err.message);
      if (c.message) assert.match(err.message, c.message);
      return true;
    });
  });
}

const invalid: { name: string; text: string; message: RegExp }[] = [
  { name: "not JSON", text: "{", message: /not JSON/ },
  { name: "another version", text: '{"recording_version":2,"sandboxes":[]}', message: /recording_version/ },
  { name: "an unknown field", text: '{"recording_version":1,"sandboxes":[],"extra":1}', message: /extra/ },
  { name: "a command that is neither string nor list", text: '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal"},"events":[{"op":"commands.run","cmd":3}]}]}', message: /sandboxes\[0\]\.events\[0\]/ },
  { name: "bytes that are not base64", text: '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal"},"events":[{"op":"files.write","path":"/a","bytes_b64":"***"}]}]}', message: /bytes_b64/ },
  { name: "an unknown op", text: '{"recording_version":1,"sandboxes":[{"options":{"template":"minimal"},"events":[{"op":"rm"}]}]}', message: /op/ },
  { name: "JSON null", text: "null", message: /does not match/ },
];

for (const c of invalid) {
  test(`an invalid recording is COMPILE_RECORD_FAILED: ${c.name}`, () => {
    assert.throws(() => parseRecording(Buffer.from(c.text), "rec.json"), (err: { code: string; message: string }) => {
      assert.equal(err.code, "COMPILE_RECORD_FAILED");
      assert.match(err.message, c.message);
      return true;
    });
  });
}
