/** Each error the front end raises: its code and exact line:column (1-based, code points). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileText, declaration } from "./test-compile.ts";

const IMAGE = "image=mvm.python_image()";

const cases: { name: string; source: string; code: string; at: [number, number]; hint?: RegExp; message?: RegExp }[] = [
  { name: "an f-string", source: declaration(`name=f"x{1}", ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 15], hint: /^f-strings are not literals; use a plain string$/ },
  { name: "an f-string inside a concatenation", source: declaration(`name="a" f"b", ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 19] },
  { name: "a call to something else", source: declaration(`name=os.getenv("N"), ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 15] },
  { name: "an mvm attribute outside the helper table", source: declaration("image=mvm.gpu()"), code: "DECL_UNKNOWN_HELPER", at: [2, 20] },
  { name: "a camelCase helper name in Python", source: declaration("image=mvm.pythonImage()"), code: "DECL_UNKNOWN_HELPER", at: [2, 20], hint: /python_image/ },
  { name: "from mvm import of an unknown name", source: "from mvm import app, gpu\n@app(image=1)\ndef f():\n    pass\n", code: "DECL_UNKNOWN_HELPER", at: [1, 22] },
  { name: "a helper without its import", source: declaration("image=python_image()"), code: "COMPILE_NON_LITERAL", at: [2, 16] },
  { name: "mvm.app inside a value", source: declaration("image=mvm.app()"), code: "COMPILE_NON_LITERAL", at: [2, 16] },
  { name: "a **kwargs splat", source: declaration("image=mvm.python_image(**opts)"), code: "COMPILE_NON_LITERAL", at: [2, 33] },
  { name: "a * splat in a list", source: declaration(`before_start=[*cmds], ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 24] },
  { name: "a ** splat in a dict", source: declaration(`env={**base}, ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 15] },
  { name: "a generator argument", source: declaration("image=mvm.python_image(x for x in y)"), code: "COMPILE_NON_LITERAL", at: [2, 32] },
  { name: "a lambda", source: declaration(`name=lambda: "x", ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 15] },
  { name: "a name the module never assigns", source: declaration(`name=NAME, ${IMAGE}`), code: "COMPILE_NON_LITERAL", at: [2, 15] },
  { name: "a repeated keyword in app", source: declaration(`name="a", name="b", ${IMAGE}`), code: "DECL_DUPLICATE_KWARG", at: [2, 20] },
  { name: "a repeated keyword in a helper", source: declaration(`image=mvm.python_image(python="3.12", python="3.11")`), code: "DECL_DUPLICATE_KWARG", at: [2, 48] },
  { name: "cpu and cpu_cores together", source: declaration(`${IMAGE}, resources=mvm.resources(cpu=1, cpu_cores=2)`), code: "DECL_DUPLICATE_KWARG", at: [2, 60] },
  { name: "an unknown app keyword, at the keyword", source: declaration(`colour="red", ${IMAGE}`), code: "DECL_UNKNOWN_KWARG", at: [2, 10] },
  { name: "an env key failing its pattern, at the key", source: declaration(`${IMAGE}, env={"1X": "v"}`), code: "DECL_INVALID_NAME", at: [2, 41] },
  { name: "columns count code points, not UTF-16 units or bytes", source: declaration(`${IMAGE}, env={"A": "😀😀", "1X": "v"}`), code: "DECL_INVALID_NAME", at: [2, 52] },
  { name: "an int env key, shown as written", source: declaration(`${IMAGE}, env={1: "v"}`), code: "DECL_INVALID_NAME", at: [2, 41], message: /env variable 1 does not match/ },
  { name: "a port number out of range, at the number", source: declaration(`${IMAGE}, network=mvm.network(mode="bridge", ports=[{"guest": 0}])`), code: "DECL_BAD_ARGUMENT", at: [2, 88] },
  { name: "an unknown port key, at the key", source: declaration(`${IMAGE}, network=mvm.network(mode="bridge", ports=[{"guest": 80, "gust": 1}])`), code: "DECL_UNKNOWN_KWARG", at: [2, 92] },
  { name: "a positional secret name failing its pattern", source: declaration(`${IMAGE}, env={"A": mvm.secret("Bad Name")}`), code: "DECL_INVALID_NAME", at: [2, 57] },
  { name: "a positional argument to a keyword-only helper", source: declaration(`image=mvm.python_image("3.12")`), code: "DECL_POSITIONAL_ARG", at: [2, 33] },
  { name: "a positional argument to app", source: declaration(`"x", ${IMAGE}`), code: "DECL_POSITIONAL_ARG", at: [2, 10] },
  { name: "a missing image, at the app call", source: declaration(`name="x"`), code: "DECL_MISSING_KWARG", at: [2, 2] },
  { name: "a bare @mvm.app", source: "import mvm\n@mvm.app\ndef f():\n    pass\n", code: "DECL_POSITIONAL_ARG", at: [2, 2] },
  { name: "an app name from a function name that fails the pattern", source: "import mvm\n@mvm.app(image=mvm.python_image())\ndef _private():\n    pass\n", code: "DECL_INVALID_NAME", at: [2, 2] },
  { name: "a tuple where a list is expected", source: declaration(`${IMAGE}, before_start=("a", "b")`), code: "DECL_BAD_ARGUMENT", at: [2, 49] },
  { name: "\\N{...} escapes", source: declaration(`${IMAGE}, name="\\N{BULLET}"`), code: "COMPILE_NON_LITERAL", at: [2, 42], hint: /\\uXXXX/ },
  { name: "a truncated \\x escape", source: declaration(`name="ab\\x4", ${IMAGE}`), code: "COMPILE_SYNTAX", at: [2, 18] },
  { name: "mixing bytes and str", source: declaration(`name="a" b"b", ${IMAGE}`), code: "COMPILE_SYNTAX", at: [2, 19] },
  { name: "a second app, at the second", source: `import mvm\n@mvm.app(name="a", ${IMAGE})\ndef a():\n    pass\n@mvm.app(name="b", ${IMAGE})\ndef b():\n    pass\n`, code: "DECL_SECOND_APP", at: [5, 2] },
  { name: "a decorated class", source: `import mvm\n@mvm.app(${IMAGE})\nclass C:\n    pass\n`, code: "COMPILE_NOT_MODULE_LEVEL", at: [2, 2] },
  { name: "a nested function", source: `import mvm\ndef outer():\n    @mvm.app(${IMAGE})\n    def inner():\n        pass\n`, code: "COMPILE_NOT_MODULE_LEVEL", at: [3, 6] },
  { name: "a method", source: `import mvm\nclass C:\n    @mvm.app(${IMAGE})\n    def m(self):\n        pass\n`, code: "COMPILE_NOT_MODULE_LEVEL", at: [3, 6] },
  { name: "inside if __name__ == '__main__'", source: `import mvm\nif __name__ == "__main__":\n    @mvm.app(${IMAGE})\n    def f():\n        pass\n`, code: "COMPILE_NOT_MODULE_LEVEL", at: [3, 6] },
  { name: "inside try", source: `import mvm\ntry:\n    @mvm.app(${IMAGE})\n    def f():\n        pass\nexcept Exception:\n    pass\n`, code: "COMPILE_NOT_MODULE_LEVEL", at: [3, 6] },
  { name: "mvm.app(...)(fn) instead of a decorator", source: `import mvm\ngreet = mvm.app(${IMAGE})(lambda: 1)\n`, code: "COMPILE_NOT_MODULE_LEVEL", at: [2, 9] },
  { name: "no app at all", source: "import mvm\nx = 1\n", code: "DECL_NO_APP", at: [1, 1], hint: /@mvm\.app\(\.\.\.\).*import mvm/ },
  { name: "no app and no import", source: `@mvm.app(${IMAGE})\ndef f():\n    pass\n`, code: "DECL_NO_APP", at: [1, 1], hint: /never imports mvm/ },
  { name: "mvm imported only inside a function", source: `def setup():\n    import mvm\n@mvm.app(${IMAGE})\ndef f():\n    pass\n`, code: "DECL_NO_APP", at: [1, 1] },
  // tree-sitter wraps the broken statement in one ERROR node; its start is what is reported.
  { name: "a syntax error, at the first ERROR node", source: `import mvm\nx = (1 +\n@mvm.app(${IMAGE})\ndef f():\n    pass\n`, code: "COMPILE_SYNTAX", at: [2, 1] },
  { name: "a missing closing parenthesis", source: `import mvm\n@mvm.app(name="x", ${IMAGE}\ndef f():\n    pass\n`, code: "COMPILE_SYNTAX", at: [2, 1] },
  { name: "a Python 2 print statement", source: `import mvm\nprint "hi"\n`, code: "COMPILE_SYNTAX", at: [2, 1] },
  { name: "a positional argument after a keyword one", source: `import mvm\nfoo(a=1, 2)\n`, code: "COMPILE_SYNTAX", at: [2, 10] },
  { name: "a repeated keyword anywhere in the file", source: `import mvm\nfoo(a=1, a=2)\n`, code: "DECL_DUPLICATE_KWARG", at: [2, 10] },
  { name: "a byte order mark does not count as a column", source: `\uFEFFprint "x"\n`, code: "COMPILE_SYNTAX", at: [1, 1] },
  { name: "a constant defined after the declaration", source: `import mvm\n@mvm.app(name=NAME, ${IMAGE})\ndef f():\n    pass\nNAME = "x"\n`, code: "COMPILE_NON_LITERAL", at: [2, 15] },
  { name: "a constant assigned twice", source: `import mvm\nNAME = "a"\nNAME = "b"\n@mvm.app(name=NAME, ${IMAGE})\ndef f():\n    pass\n`, code: "COMPILE_NON_LITERAL", at: [4, 15] },
  { name: "a constant assigned inside if", source: `import mvm\nif True:\n    NAME = "a"\n@mvm.app(name=NAME, ${IMAGE})\ndef f():\n    pass\n`, code: "COMPILE_NON_LITERAL", at: [4, 15] },
  { name: "a constant computed at run time, at its value", source: `import mvm, os\nNAME = os.getenv("N")\n@mvm.app(name=NAME, ${IMAGE})\ndef f():\n    pass\n`, code: "COMPILE_NON_LITERAL", at: [2, 8] },
  { name: "a helper error in a constant comes before later errors", source: `import mvm\nbad = mvm.addon(name="Bad")\n@mvm.app(zzz=1, ${IMAGE})\ndef f():\n    pass\n`, code: "DECL_INVALID_NAME", at: [2, 22] },
  { name: "the first error in source order wins", source: declaration(`${IMAGE}, env={"A": mvm.secret("BAD NAME")}, resources=mvm.resources(colour=1), zzz=1`), code: "DECL_INVALID_NAME", at: [2, 57] },
];

for (const c of cases) {
  test(c.name, async () => {
    const outcome = await compileText(c.source);
    assert.ok(!outcome.ok, "compiled, but should not have");
    assert.deepEqual({ code: outcome.code, at: [outcome.line, outcome.column] }, { code: c.code, at: c.at }, outcome.message);
    if (c.hint) assert.match(outcome.hint ?? "", c.hint);
    if (c.message) assert.match(outcome.message, c.message);
  });
}

test("expressions nested deeper than CPython allows are refused, not recursed into", async () => {
  const outcome = await compileText(declaration(`name=${"[".repeat(5000)}${"]".repeat(5000)}, ${IMAGE}`));
  assert.ok(!outcome.ok);
  assert.equal(outcome.code, "COMPILE_SYNTAX");
});
