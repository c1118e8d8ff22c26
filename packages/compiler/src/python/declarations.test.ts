/** How the app is found (aliases, from-imports, async def, constants) and what else it yields (params, defaults). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileText } from "./test-compile.ts";

const found: { name: string; source: string; file?: string; want: { name: string; module?: string; function?: string; image?: string[] } }[] = [
  { name: "import mvm", source: `import mvm\n@mvm.app(name="a", image=mvm.python_image())\ndef f():\n    pass\n`, want: { name: "a", image: ["python312"] } },
  { name: "import mvm as m", source: `import mvm as m\n@m.app(name="a", image=m.python_image(python="3.11"))\ndef f():\n    pass\n`, want: { name: "a", image: ["python311"] } },
  { name: "from mvm import app", source: `from mvm import app, node_image\n@app(name="a", image=node_image())\ndef f():\n    pass\n`, want: { name: "a", image: ["nodejs_22"] } },
  { name: "from mvm import app as alias", source: `from mvm import app as declare, nix_packages as nix\n@declare(name="a", image=nix(["jq"]))\ndef f():\n    pass\n`, want: { name: "a", image: ["jq"] } },
  { name: "from mvm import *", source: `from mvm import *\n@app(name="a", image=python_image())\ndef f():\n    pass\n`, want: { name: "a" } },
  { name: "import inside a module-level try", source: `try:\n    import mvm\nexcept ImportError:\n    raise\n@mvm.app(name="a", image=mvm.python_image())\ndef f():\n    pass\n`, want: { name: "a" } },
  { name: "async def", source: `import mvm\n@mvm.app(image=mvm.python_image())\nasync def fetch_it():\n    pass\n`, want: { name: "fetch-it", function: "fetch_it" } },
  { name: "name and entrypoint default from the function and file stem", file: "src/my_service.py", source: `import mvm\n@mvm.app(image=mvm.python_image())\ndef handle_request():\n    pass\n`, want: { name: "handle-request", module: "my_service", function: "handle_request" } },
  { name: "other decorators around it", source: `import mvm\n@traced\n@mvm.app(name="a", image=mvm.python_image())\n@cache\ndef f():\n    pass\n`, want: { name: "a" } },
  { name: "NFKC-equal identifiers are one name", source: `import mvm\n@ｍｖｍ.app(ｎａｍｅ="a", image=mvm.python_image())\ndef f():\n    pass\n`, want: { name: "a" } },
  { name: "a module constant", source: `import mvm\nNAME = "from-constant"\nIMAGE = mvm.python_image(python="3.13")\n@mvm.app(name=NAME, image=IMAGE)\ndef f():\n    pass\n`, want: { name: "from-constant", image: ["python313"] } },
  { name: "Python 3's print >> f, x elsewhere in the file is fine", source: `import mvm, sys\nprint >> sys.stderr, "x"\n@mvm.app(name="a", image=mvm.python_image())\ndef f():\n    pass\n`, want: { name: "a" } },
  { name: "an f-string elsewhere in the file is fine", source: `import mvm\n@mvm.app(name="a", image=mvm.python_image())\ndef f(x):\n    return f"{x}"\n`, want: { name: "a" } },
];

for (const c of found) {
  test(`finds the app: ${c.name}`, async () => {
    const outcome = await compileText(c.source, c.file);
    assert.ok(outcome.ok, outcome.ok ? "" : `${outcome.code} ${outcome.line}:${outcome.column} ${outcome.message}`);
    const app = outcome.workload.apps[0];
    assert.equal(app?.name, c.want.name);
    assert.equal(outcome.workload.id, c.want.name);
    const entry = app?.entrypoints[0];
    if (c.want.module) assert.equal(entry?.kind === "function" && entry.module, c.want.module);
    if (c.want.function) assert.equal(entry?.kind === "function" && entry.function, c.want.function);
    if (c.want.image) assert.deepEqual(app?.image.packages, c.want.image);
    assert.equal(entry?.kind === "function" && entry.language, "python");
  });
}

test("params: names, defaults, annotations as written, *args and **kwargs with their stars", async () => {
  const outcome = await compileText(
    `import mvm\n@mvm.app(name="a", image=mvm.python_image())\ndef f(a, b: int, /, c: "list[str]" = [], *args: str, d, e: dict[str,  int] = {}, **kw) -> None:\n    pass\n`,
  );
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.params, [
    { name: "a", has_default: false, type: null },
    { name: "b", has_default: false, type: "int" },
    { name: "c", has_default: true, type: '"list[str]"' },
    { name: "*args", has_default: false, type: "str" },
    { name: "d", has_default: false, type: null },
    { name: "e", has_default: true, type: "dict[str,  int]" },
    { name: "**kw", has_default: false, type: null },
  ]);
});

test("params: none", async () => {
  const outcome = await compileText(`import mvm\n@mvm.app(name="a", image=mvm.python_image())\ndef f():\n    pass\n`);
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.params, []);
});

test("a file with CRLF line endings reports the same lines", async () => {
  const outcome = await compileText("import mvm\r\n@mvm.app(name=1, image=mvm.python_image())\r\ndef f():\r\n    pass\r\n");
  assert.ok(!outcome.ok);
  assert.deepEqual([outcome.code, outcome.line, outcome.column], ["DECL_BAD_ARGUMENT", 2, 15]);
});
