// The hook renderer's output is run by the real /bin/sh, as the agent runs it: sourced, then the env exported.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { HookCmd } from "@mvm/ir";
import { renderHookScript, shellQuote } from "./hook-script.ts";

function source(commands: HookCmd[], after = "true") {
  const dir = mkdtempSync(join(tmpdir(), "mvm-hook-"));
  const path = join(dir, "before_start.sh");
  writeFileSync(path, renderHookScript("before_start", commands));
  try {
    return spawnSync("/bin/sh", ["-c", `. "$0" || exit $?; ${after}`, path], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const quoting = [
  { name: "plain words", word: "abc" },
  { name: "spaces", word: "a b  c" },
  { name: "single quotes", word: "it's 'quoted'" },
  { name: "shell syntax", word: "$(echo no) `no` $HOME; rm -rf / && | > <" },
  { name: "newlines and unicode", word: "line1\nline2 — é 😀" },
  { name: "empty", word: "" },
];
for (const c of quoting) {
  test(`shellQuote keeps ${c.name} as one literal word`, () => {
    const out = execFileSync("/bin/sh", ["-c", `printf '%s' ${shellQuote(c.word)}`], { encoding: "utf8" });
    assert.equal(out, c.word);
  });
}

test("shell lines run in the sourcing shell, so exports persist; argv hooks leak nothing", () => {
  const r = source(
    [{ kind: "shell", line: "export HELLO_BANNER='hi'" }, { kind: "argv", argv: ["sh", "-c", "export LEAK=1; cd /"] }],
    'printf "%s|%s" "$HELLO_BANNER" "${LEAK-unset}"',
  );
  assert.equal(r.stdout, "hi|unset");
});

test("argv words reach the command verbatim", () => {
  const r = source([{ kind: "argv", argv: ["printf", "[%s]", "a b", "it's", "$HOME"] }]);
  assert.equal(r.stdout, "[a b][it's][$HOME]");
});

test("the first failing command stops the phase with its status and says which one", () => {
  const r = source([{ kind: "shell", line: "true" }, { kind: "argv", argv: ["sh", "-c", "exit 4"] }, { kind: "shell", line: "echo never" }]);
  assert.equal(r.status, 4);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /mvm-hook: before_start command 2 of 3 exited with 4/);
});

test("a multi-line shell command stays one command", () => {
  const r = source([{ kind: "shell", line: "if true; then\n  echo yes\nfi" }]);
  assert.equal(r.stdout, "yes\n");
});
