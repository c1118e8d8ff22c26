import { test } from "node:test";
import assert from "node:assert/strict";
import { MvmError, type FunctionParam } from "@mvm/ir";
import { buildInvokeInput, coercionFor, type InputArg } from "./inputs.ts";

const p = (name: string, type: string | null = null, has_default = false): FunctionParam => ({ name, type, has_default });

const coercions: { language: "python" | "node"; type: string | null; want: string }[] = [
  { language: "python", type: "str", want: "string" },
  { language: "python", type: "int", want: "integer" },
  { language: "python", type: "float", want: "number" },
  { language: "python", type: "bool", want: "boolean" },
  { language: "python", type: "list[int]", want: "array" },
  { language: "python", type: "typing.List[str]", want: "array" },
  { language: "python", type: "dict[str, int]", want: "object" },
  { language: "python", type: "Optional[int]", want: "integer" },
  { language: "python", type: "int | None", want: "integer" },
  { language: "python", type: "'int'", want: "integer" },
  { language: "python", type: "Any", want: "text" },
  { language: "python", type: "MyClass", want: "text" },
  { language: "python", type: null, want: "text" },
  { language: "node", type: "string", want: "string" },
  { language: "node", type: "number", want: "number" },
  { language: "node", type: "boolean", want: "boolean" },
  { language: "node", type: "number | undefined", want: "number" },
  { language: "node", type: "string[]", want: "array" },
  { language: "node", type: "Array<number>", want: "array" },
  { language: "node", type: "[number, string]", want: "array" },
  { language: "node", type: "{ a: number }", want: "object" },
  { language: "node", type: "Record<string, number>", want: "object" },
  { language: "node", type: '"red" | "blue"', want: "string" },
  { language: "node", type: "Date", want: "text" },
];
for (const c of coercions) {
  test(`${c.language} type ${c.type ?? "(none)"} coerces k=v text as ${c.want}`, () => assert.equal(coercionFor(c.type, c.language), c.want));
}

const values: { name: string; language: "python" | "node"; params: FunctionParam[] | null; args: InputArg[]; want: Record<string, unknown> }[] = [
  { name: "a str parameter gets the text as written", language: "python", params: [p("name", "str")], args: [{ name: "name", text: "ari" }], want: { name: "ari" } },
  { name: "an int parameter gets a number", language: "python", params: [p("n", "int")], args: [{ name: "n", text: "-42" }], want: { n: -42 } },
  { name: "a float parameter gets a number", language: "python", params: [p("x", "float")], args: [{ name: "x", text: "2.5e3" }], want: { x: 2500 } },
  { name: "a bool parameter gets true/false", language: "python", params: [p("b", "bool"), p("c", "bool")], args: [{ name: "b", text: "True" }, { name: "c", text: "0" }], want: { b: true, c: false } },
  { name: "a list parameter gets parsed JSON", language: "python", params: [p("xs", "list")], args: [{ name: "xs", text: "[1, 2]" }], want: { xs: [1, 2] } },
  { name: "a dict parameter gets parsed JSON", language: "python", params: [p("d", "dict")], args: [{ name: "d", text: '{"k": [1]}' }], want: { d: { k: [1] } } },
  { name: "an unannotated parameter gets a string", language: "python", params: [p("v")], args: [{ name: "v", text: "42" }], want: { v: "42" } },
  { name: "--input-json is exact whatever the type", language: "python", params: [p("v", "str")], args: [{ name: "v", json: 42 }], want: { v: 42 } },
  { name: "a TS number[] parameter gets an array", language: "node", params: [p("xs", "number[]")], args: [{ name: "xs", text: "[1.5]" }], want: { xs: [1.5] } },
  { name: "a parameter with a default may be left out", language: "python", params: [p("name", "str"), p("greeting", "str", true)], args: [{ name: "name", text: "ari" }], want: { name: "ari" } },
  { name: "**kwargs takes any name", language: "python", params: [p("a", "int"), p("**rest")], args: [{ name: "a", text: "1" }, { name: "zzz", text: "2" }], want: { a: 1, zzz: "2" } },
  { name: "unknown parameters (params null) pass everything as given", language: "node", params: null, args: [{ name: "q", text: "1" }], want: { q: "1" } },
  { name: "a parameter named __proto__ is an own key", language: "python", params: [p("__proto__", "int")], args: [{ name: "__proto__", text: "1" }], want: JSON.parse('{"__proto__": 1}') as Record<string, unknown> },
];
for (const c of values) {
  test(c.name, () => {
    const got = buildInvokeInput(c.args, c.params, c.language, "greet");
    assert.deepEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(c.want)));
    assert.deepEqual(Object.keys(got), Object.keys(c.want));
  });
}

const errors: { name: string; language: "python" | "node"; params: FunctionParam[] | null; args: InputArg[]; message: RegExp }[] = [
  { name: "a missing input names the parameter", language: "python", params: [p("name", "str")], args: [], message: /greet needs input name, which was not given/ },
  { name: "an unknown input lists the parameters", language: "python", params: [p("name", "str")], args: [{ name: "nmae", text: "x" }], message: /greet has no parameter nmae; its parameters are name: str/ },
  { name: "a non-integer for int", language: "python", params: [p("n", "int")], args: [{ name: "n", text: "4.5" }], message: /input n="4.5" is not an integer/ },
  { name: "an integer past 2^53", language: "python", params: [p("n", "int")], args: [{ name: "n", text: "9007199254740993" }], message: /exactly/ },
  { name: "a non-number for float", language: "python", params: [p("x", "float")], args: [{ name: "x", text: "nan" }], message: /is not a finite number/ },
  { name: "a non-boolean for bool", language: "node", params: [p("b", "boolean")], args: [{ name: "b", text: "maybe" }], message: /is not a boolean/ },
  { name: "an object where a list is declared", language: "python", params: [p("xs", "list[int]")], args: [{ name: "xs", text: '{"a":1}' }], message: /is not a JSON array/ },
  { name: "unparseable JSON for a dict", language: "python", params: [p("d", "dict")], args: [{ name: "d", text: "{oops" }], message: /is not a JSON object/ },
  { name: "the same input twice", language: "python", params: [p("name")], args: [{ name: "name", text: "a" }, { name: "name", json: "b" }], message: /given twice/ },
  { name: "a name that is no identifier", language: "python", params: null, args: [{ name: "a-b", text: "1" }], message: /is not a parameter name/ },
];
for (const c of errors) {
  test(`RUN_INPUT_INVALID: ${c.name}`, () => {
    assert.throws(() => buildInvokeInput(c.args, c.params, c.language, "greet"),
      (e: unknown) => e instanceof MvmError && e.code === "RUN_INPUT_INVALID" && c.message.test(e.message) && !!e.hint);
  });
}
