import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalBytes, canonicalJson, irHash } from "./canonical-json.ts";
import { MvmError } from "./errors.ts";

const cases: { name: string; given: unknown; want: string }[] = [
  { name: "keys sorted at every level", given: { b: 1, a: { d: [], c: null } }, want: '{"a":{"c":null,"d":[]},"b":1}' },
  { name: "no whitespace", given: [1, [2, 3], { x: "y z" }], want: '[1,[2,3],{"x":"y z"}]' },
  { name: "booleans and null", given: [true, false, null], want: "[true,false,null]" },
  { name: "negative zero is 0", given: -0, want: "0" },
  { name: "control characters as lowercase \\u escapes", given: "\u0001\u001f\b\f\n\r\t", want: '"\\u0001\\u001f\\b\\f\\n\\r\\t"' },
  { name: "quotes and backslashes escaped", given: 'a"b\\c', want: '"a\\"b\\\\c"' },
  { name: "U+2028, DEL and non-ASCII stay raw", given: "\u2028\u007f é 中 😀", want: '"\u2028\u007f é 中 😀"' },
  { name: "lone surrogates escaped as JSON.stringify does", given: "\ud800x\udfff", want: '"\\ud800x\\udfff"' },
  // "😀" is U+D83D U+DE00 in UTF-16, which sorts before U+FF21 "Ａ" though its code point is larger.
  { name: "keys compared by UTF-16 code unit, not code point", given: { "Ａ": 1, "😀": 2, a: 3 }, want: '{"a":3,"😀":2,"Ａ":1}' },
  { name: "undefined object members are left out", given: { a: undefined, b: 1 }, want: '{"b":1}' },
];

for (const c of cases) test(c.name, () => assert.equal(canonicalJson(c.given), c.want));

const refused: { name: string; given: unknown }[] = [
  { name: "a non-integer number", given: { a: 1.5 } },
  { name: "NaN", given: [Number.NaN] },
  { name: "an unsafe integer", given: 2 ** 60 },
  { name: "undefined", given: [undefined] },
  { name: "a class instance", given: new Date(0) },
  { name: "a function", given: { f: () => 1 } },
];
for (const c of refused) {
  test(`refuses ${c.name} with IR_NOT_CANONICAL`, () => {
    assert.throws(() => canonicalJson(c.given), (err: unknown) => err instanceof MvmError && err.code === "IR_NOT_CANONICAL");
  });
}

test("a cycle is refused, naming its JSON path", () => {
  const a: { self?: unknown } = {};
  a.self = a;
  assert.throws(() => canonicalJson(a), /cycle at \$\.self/);
});

test("ir_hash is the lowercase hex sha256 of the UTF-8 bytes (known answer from sha256sum)", () => {
  const bytes = canonicalBytes({ b: "é", a: 1 });
  assert.equal(bytes.toString("utf8"), '{"a":1,"b":"é"}');
  assert.equal(irHash(bytes), "09ad9fd2fb648cb2f62141215828ea00a62c299db05d20aa9ade2f527a301cc6");
});
