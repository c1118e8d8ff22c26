import assert from "node:assert/strict";
import { test } from "node:test";
import { MvmError } from "../errors.ts";
import { callHelper } from "./helpers.ts";
import { lowerHookPhase, mergeHooks } from "./hooks.ts";
import type { DeclValue } from "./values.ts";

const hook = (cmd: DeclValue) => callHelper("hook", [cmd], {}, "python");

const cases: { name: string; given: DeclValue; want: unknown }[] = [
  { name: "a string becomes one shell command", given: "make", want: [{ kind: "shell", line: "make" }] },
  { name: "a list of strings becomes one argv", given: ["make", "-j2"], want: [{ kind: "argv", argv: ["make", "-j2"] }] },
  { name: "hook(str) becomes its shell command", given: hook("echo hi"), want: [{ kind: "shell", line: "echo hi" }] },
  { name: "hook(list) becomes its argv", given: hook(["curl", "-fsS", "x"]), want: [{ kind: "argv", argv: ["curl", "-fsS", "x"] }] },
  {
    name: "a mixed list lowers each element alone",
    given: ["echo a", ["echo", "b"], hook("echo c")],
    want: [{ kind: "shell", line: "echo a" }, { kind: "argv", argv: ["echo", "b"] }, { kind: "shell", line: "echo c" }],
  },
  { name: "a list of lists is several argvs", given: [["a"], ["b", "c"]], want: [{ kind: "argv", argv: ["a"] }, { kind: "argv", argv: ["b", "c"] }] },
  { name: "a list of hook()s keeps their order", given: [hook("one"), hook("two")], want: [{ kind: "shell", line: "one" }, { kind: "shell", line: "two" }] },
  { name: "an argv may carry an empty argument after the program", given: ["printf", ""], want: [{ kind: "argv", argv: ["printf", ""] }] },
];
for (const c of cases) test(c.name, () => assert.deepEqual(lowerHookPhase(c.given, ["before_start"]), c.want));

const errors: { name: string; given: DeclValue; code: string; path: (string | number)[] }[] = [
  { name: "an empty string", given: "", code: "DECL_EMPTY_HOOK", path: ["before_start"] },
  { name: "an empty list", given: [], code: "DECL_EMPTY_HOOK", path: ["before_start"] },
  { name: "an empty list inside a list", given: ["ok", []], code: "DECL_EMPTY_HOOK", path: ["before_start", 1] },
  { name: "an argv whose program is empty", given: ["", "x"], code: "DECL_EMPTY_HOOK", path: ["before_start", 0] },
  { name: "a number", given: 3, code: "DECL_BAD_ARGUMENT", path: ["before_start"] },
  { name: "a number inside a list", given: ["ok", 3], code: "DECL_BAD_ARGUMENT", path: ["before_start", 1] },
  { name: "a dict", given: { a: "b" }, code: "DECL_BAD_ARGUMENT", path: ["before_start"] },
];
for (const c of errors) {
  test(`${c.name} is ${c.code} at ${c.path.join(".")}`, () => {
    assert.throws(() => lowerHookPhase(c.given, ["before_start"]), (err: unknown) => {
      assert.ok(err instanceof MvmError);
      assert.equal(err.code, c.code);
      assert.deepEqual(err.path, c.path);
      return true;
    });
  });
}

test("addon hooks merge before the app's own, in attachment order", () => {
  const merged = mergeHooks(
    { before_start: [{ kind: "shell", line: "app" }] },
    [{ hooks: { before_start: [{ kind: "shell", line: "first" }], before_stop: [{ kind: "shell", line: "stop" }] } }, {}, { hooks: { before_start: [{ kind: "shell", line: "second" }] } }],
  );
  assert.deepEqual(merged, {
    before_start: [{ kind: "shell", line: "first" }, { kind: "shell", line: "second" }, { kind: "shell", line: "app" }],
    before_stop: [{ kind: "shell", line: "stop" }],
  });
});
