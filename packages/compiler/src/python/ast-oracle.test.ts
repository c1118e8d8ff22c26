/**
 * Issue 3 proof: Python's own `ast` module as an oracle (fixtures/compile-corpus/python/ast_oracle.py, one
 * batch call). For every corpus file and hundreds of generated declarations full of odd literals, the
 * keyword arguments this front end reads from `@mvm.app(...)` (names, literal values, helper results)
 * equal the ones Python's parser and `ast.literal_eval` rules give, or both refuse with the same code.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DeclFloat, HelperValue, MvmError, type DeclValue } from "@mvm/ir";
import { LiteralEvaluator } from "./literal-value.ts";
import { ModuleConstants } from "./module-constants.ts";
import { scanModule } from "./module-scan.ts";
import { MvmBindings } from "./mvm-bindings.ts";
import { parsePython } from "./parser.ts";
import { PYTHON_ONLY_VALUE } from "./python-only-values.ts";
import { SourceText } from "./source-text.ts";
import { firstParseError } from "./syntax-check.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const GENERATED = 400;

/** What this front end reads from the first module-level app decorator, in the oracle's tagged form. */
async function readKwargs(file: string): Promise<unknown> {
  const text = readFileSync(file, "utf8");
  const source = new SourceText(file, text.startsWith("\uFEFF") ? text.slice(1) : text);
  const tree = await parsePython(source.text);
  try {
    const syntaxError = firstParseError(tree.rootNode, source);
    if (syntaxError) return { ok: false, code: syntaxError.code };
    const bindings = MvmBindings.collect(tree.rootNode);
    const scan = scanModule(tree.rootNode, bindings, source);
    if (scan.syntaxProblem) return { ok: false, code: scan.syntaxProblem.code };
    const site = scan.appSites.find((s) => s.call && s.decorated?.parent?.type === "module"
      && s.decorated.childForFieldName("definition")?.type === "function_definition");
    const argumentList = site?.call?.childForFieldName("arguments");
    if (!site || !argumentList) return { ok: true, kwargs: null };
    const evaluator = new LiteralEvaluator(source, bindings, ModuleConstants.collect(tree.rootNode));
    try {
      const args = evaluator.evaluateArgs(argumentList, 0);
      return { ok: true, kwargs: [...args.keywords].map(([name, keyword]) => [name, tagged(keyword.evaluated)]) };
    } catch (err) {
      if (!(err instanceof MvmError)) throw err;
      return { ok: false, code: err.code };
    }
  } finally {
    tree.delete();
  }
}

function tagged(value: DeclValue): unknown {
  if (value === PYTHON_ONLY_VALUE) return ["python-only"];
  if (value instanceof DeclFloat) return ["float", Number.isFinite(value.value) ? value.value : value.value > 0 ? "inf" : "-inf"];
  if (value instanceof HelperValue) return ["helper", value.helper, JSON.parse(JSON.stringify(value.result.value))];
  if (value === null || value === undefined) return ["none"];
  if (typeof value === "string") return ["str", value];
  if (typeof value === "boolean") return ["bool", value];
  if (typeof value === "number") return ["int", value];
  if (Array.isArray(value)) return ["list", value.map(tagged)];
  return ["dict", Object.entries(value).map(([key, item]) => [key.startsWith("\u0000") ? `<non-str>${key.slice(1)}` : key, tagged(item)])];
}

/** mulberry32, seeded: the generated declarations are the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRING_PIECES = ["a", "Z", " ", "é", "😀", "你", "\\n", "\\t", "\\\\", "\\'", '\\"', "\\x41", "\\x7f", "\\101", "\\0", "\\777", "\\u00e9", "\\U0001F600", "\\ud800", "\\q", "\\d", "\\\n", "{", "}", "%s"];
const NUMBERS = ["0", "7", "1_000", "0x_ff", "0XFF", "0o17", "0b1010", "-5", "+5", "1.5", "-0.0", "1e3", ".5", "5.", "1_0.2_5e-1_0", "3j", "-2.5J", "1e400", "00", "123456789012345678901234567890"];

function stringLiteral(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const quote = pick(['"', "'", '"""', "'''"]);
  const prefix = pick(["", "", "u", "r", "R"]);
  let body = Array.from({ length: Math.floor(random() * 5) }, () => pick(STRING_PIECES)).join("");
  // Keep every generated literal valid Python: no line continuations in one-quote strings, no backslash
  // runs in raw strings that could escape the closing quote, and no closing quote at the very end.
  if (quote.length === 1) body = body.replaceAll("\\\n", "");
  if (prefix.toLowerCase() === "r") body = body.replaceAll("\\", "/").replaceAll(quote[0]!, "");
  if (body.endsWith(quote[0]!)) body += " ";
  return `${prefix}${quote}${body}${quote}`;
}

function literal(random: () => number, depth: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const kind = depth > 2 ? Math.floor(random() * 3) : Math.floor(random() * 9);
  switch (kind) {
    case 0: return stringLiteral(random);
    case 1: return pick(NUMBERS);
    case 2: return pick(["True", "False", "None", "...", 'b"x"']);
    case 3: return `[${Array.from({ length: Math.floor(random() * 4) }, () => literal(random, depth + 1)).join(", ")}]`;
    case 4: return `(${Array.from({ length: 1 + Math.floor(random() * 2) }, () => literal(random, depth + 1)).join(", ")},)`;
    case 5: return `{${Array.from({ length: Math.floor(random() * 4) }, () => `${pick(['"K"', '"A"', '"K"', "1", "None"])}: ${literal(random, depth + 1)}`).join(", ")}}`;
    case 6: return `${stringLiteral(random)} ${stringLiteral(random)}`;
    case 7: return pick(['mvm.secret("a-b")', 'mvm.literal("v")', 'mvm.hook(["echo", "x"])', "mvm.resources(cpu=2)", 'mvm.secret("BAD")', "mvm.gpu()"]);
    default: return `(${literal(random, depth + 1)})`;
  }
}

function corpusFiles(): string[] {
  const dirs = [join(REPO, "fixtures/compile-corpus/python/apps"), join(REPO, "fixtures/compile-corpus/python/errors")];
  const fixtureRoots = ["ir", "errors"].map((kind) => join(REPO, "fixtures", kind)).filter(existsSync);
  return [
    ...dirs.filter(existsSync).flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith(".py")).map((n) => join(dir, n))),
    ...fixtureRoots.flatMap((root) => readdirSync(root).map((n) => join(root, n, "app.py")).filter(existsSync)),
  ].sort();
}

const dir = mkdtempSync(join(tmpdir(), "mvm-ast-oracle-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the kwargs read statically equal Python's ast over the corpus and generated declarations", async (t) => {
  const random = prng(0x0ac1e);
  const generated = Array.from({ length: GENERATED }, (_, i) => {
    const file = join(dir, `generated_${i}.py`);
    const kwargs = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => `k${k}=${literal(random, 0)}`).join(",\n    ");
    writeFileSync(file, `import mvm\n\n@mvm.app(\n    ${kwargs},\n)\ndef f():\n    pass\n`);
    return file;
  });
  const files = [...corpusFiles(), ...generated];
  const answers = execFileSync("python3", [join(REPO, "fixtures/compile-corpus/python/ast_oracle.py"), ...files], {
    encoding: "utf8", env: { ...process.env, PYTHONPATH: join(REPO, "sdk/python"), PYTHONDONTWRITEBYTECODE: "1" }, maxBuffer: 64 << 20,
  }).trimEnd().split("\n");
  assert.equal(answers.length, files.length);
  let agreed = 0;
  let withValues = 0;
  for (const [i, file] of files.entries()) {
    const expected: unknown = JSON.parse(answers[i]!);
    const actual = await readKwargs(file);
    assert.deepEqual(actual, expected, `${file}:\n${readFileSync(file, "utf8")}`);
    agreed++;
    if (JSON.stringify(actual).includes('"kwargs":[')) withValues++;
  }
  t.diagnostic(`${agreed} files agree (${withValues} read to values, the rest refused with the same code)`);
});
