/** Every literal form the static route reads, checked through the IR it lowers to. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileText, declaration } from "./test-compile.ts";

async function envValue(expression: string): Promise<unknown> {
  const outcome = await compileText(declaration(`image=mvm.python_image(), env={"V": ${expression}}`));
  if (!outcome.ok) throw new Error(`${outcome.code} at ${outcome.line}:${outcome.column}: ${outcome.message}`);
  return outcome.workload.apps[0]?.env.V;
}

const strings: { name: string; given: string; want: string }[] = [
  { name: "double quotes", given: `"abc"`, want: "abc" },
  { name: "single quotes", given: `'abc'`, want: "abc" },
  { name: "empty", given: `""`, want: "" },
  { name: "implicit concatenation", given: `"a" 'b' """c"""`, want: "abc" },
  { name: "parenthesized multi-line concatenation", given: `("a"\n   "b")`, want: "ab" },
  { name: "u prefix", given: `u"x"`, want: "x" },
  { name: "raw keeps backslashes", given: `r"\\d+\\n"`, want: "\\d+\\n" },
  { name: "raw upper-case prefix", given: `R'\\x41'`, want: "\\x41" },
  { name: "raw escaped quote stays escaped", given: `r"a\\"b"`, want: 'a\\"b' },
  { name: "triple-quoted keeps newlines", given: `"""a\n  b\n"""`, want: "a\n  b\n" },
  { name: "triple-quoted with inner quotes", given: `'''say "hi" and 'yo'\n'''`, want: `say "hi" and 'yo'\n` },
  { name: "backslash-newline continues the line", given: `"a\\\nb"`, want: "ab" },
  { name: "CRLF inside a triple-quoted string reads as LF", given: `"""a\r\nb"""`, want: "a\nb" },
  { name: "a lone CR reads as LF", given: `"""a\rb"""`, want: "a\nb" },
  { name: "simple escapes", given: `"\\\\ \\' \\" \\a \\b \\f \\n \\r \\t \\v"`, want: "\\ ' \" \x07 \b \f \n \r \t \v" },
  { name: "octal escapes", given: `"\\101\\7\\0\\1234"`, want: "A\x07\x00S4" },
  { name: "octal above 0o377 is a code point", given: `"\\777"`, want: "\u01ff" },
  { name: "hex escapes", given: `"\\x41\\x7e"`, want: "A~" },
  { name: "\\u escapes", given: `"\\u00e9\\u2603"`, want: "é☃" },
  { name: "\\U escapes above the BMP", given: `"\\U0001F600"`, want: "😀" },
  { name: "a lone surrogate escape", given: `"\\ud800"`, want: "\ud800" },
  { name: "unknown escapes keep the backslash", given: `"\\d\\q"`, want: "\\d\\q" },
  { name: "non-ASCII source text", given: `"héllo 你好 😀"`, want: "héllo 你好 😀" },
];

for (const c of strings) {
  test(`string: ${c.name}`, async () => {
    assert.deepEqual(await envValue(c.given), { kind: "literal", value: c.want });
  });
}

async function memoryMb(expression: string): Promise<unknown> {
  const outcome = await compileText(declaration(`image=mvm.python_image(), resources=mvm.resources(memory_mb=${expression})`));
  return outcome.ok ? outcome.workload.apps[0]?.resources.memory_mb : outcome.code;
}

const numbers: { name: string; given: string; want: number | string }[] = [
  { name: "decimal", given: "512", want: 512 },
  { name: "underscores", given: "1_024", want: 1024 },
  { name: "hex", given: "0x400", want: 1024 },
  { name: "upper-case hex prefix", given: "0X4_00", want: 1024 },
  { name: "octal", given: "0o2000", want: 1024 },
  { name: "binary", given: "0b10000000000", want: 1024 },
  { name: "unary plus", given: "+64", want: 64 },
  { name: "parenthesized", given: "((64))", want: 64 },
  { name: "unary minus is read, then refused by range", given: "-64", want: "DECL_BAD_ARGUMENT" },
  { name: "a float is not an integer", given: "512.0", want: "DECL_BAD_ARGUMENT" },
  { name: "exponent floats too", given: "5e2", want: "DECL_BAD_ARGUMENT" },
  { name: "complex numbers are refused as the SDK refuses them", given: "512j", want: "DECL_BAD_ARGUMENT" },
  { name: "True is not an integer", given: "True", want: "DECL_BAD_ARGUMENT" },
  { name: "None means the default", given: "None", want: 256 },
  { name: "a huge integer is out of range, not rounded into it", given: "10**3", want: "COMPILE_NON_LITERAL" },
  { name: "Python 2 octal is a syntax error", given: "0777", want: "COMPILE_SYNTAX" },
  { name: "double minus is not a literal", given: "--64", want: "COMPILE_NON_LITERAL" },
  { name: "~ is not a literal", given: "~64", want: "COMPILE_NON_LITERAL" },
];

for (const c of numbers) {
  test(`number: ${c.name}`, async () => {
    assert.equal(await memoryMb(c.given), c.want);
  });
}

test("booleans and None", async () => {
  const outcome = await compileText(declaration(`name="b", image=mvm.python_image(), entrypoint=mvm.entrypoint_function(module="m", function="g", primary=False), network=None`));
  assert.ok(outcome.ok);
  assert.equal(outcome.workload.apps[0]?.entrypoints[0]?.kind === "function" && outcome.workload.apps[0].entrypoints[0].primary, false);
  assert.equal(outcome.workload.apps[0]?.network, null);
});

test("lists become argv, nested lists become their own commands", async () => {
  const outcome = await compileText(declaration(`image=mvm.python_image(), before_start=["echo a", ["echo", "b"],]`));
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.workload.apps[0]?.hooks?.before_start, [{ kind: "shell", line: "echo a" }, { kind: "argv", argv: ["echo", "b"] }]);
});

test("tuples are refused, as the SDK refuses them (lists only)", async () => {
  const outcome = await compileText(declaration(`image=mvm.python_image(), before_start=("echo", "b")`));
  assert.ok(!outcome.ok);
  assert.equal(outcome.code, "DECL_BAD_ARGUMENT");
  assert.match(outcome.message, /a tuple of 2 \(use a list\)/);
});

test("dicts: the last duplicate key wins, in the first key's place", async () => {
  const outcome = await compileText(declaration(`image=mvm.python_image(), env={"A": "1", "B": "2", "A": "3"}`));
  assert.ok(outcome.ok);
  assert.deepEqual(Object.entries(outcome.workload.apps[0]?.env ?? {}).map(([k, v]) => [k, v.kind === "literal" && v.value]), [["A", "3"], ["B", "2"]]);
});

test("a dict key named __proto__ is an ordinary key", async () => {
  const outcome = await compileText(declaration(`image=mvm.python_image(), env={"__proto__": "x"}`));
  assert.ok(outcome.ok);
  assert.deepEqual(Object.keys(outcome.workload.apps[0]?.env ?? {}), ["__proto__"]);
});

test("bytes are refused where a string is expected", async () => {
  const outcome = await compileText(declaration(`name=b"x", image=mvm.python_image()`));
  assert.ok(!outcome.ok);
  assert.equal(outcome.code, "DECL_BAD_ARGUMENT");
  assert.match(outcome.message, /a bytes literal/);
});
