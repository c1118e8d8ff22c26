/**
 * Evaluates a declaration's argument expressions without running anything: literals become DeclValues,
 * helper calls run the shared helper table, and anything else is refused. Evaluation follows source
 * order, as CPython's does, so the first error reported is the one the SDK would raise.
 */
import { callHelper, MvmError, type DeclValue } from "@mvm/ir";
import type { Node } from "web-tree-sitter";
import { nodeForPath, type KeyedShape, type ValueShape } from "./value-shape.ts";
import { negate, readNumber, type NumberLiteral } from "./number-literal.ts";
import type { ModuleConstant, ModuleConstants } from "./module-constants.ts";
import { unknownHelperError, type MvmBindings } from "./mvm-bindings.ts";
import type { SourceText } from "./source-text.ts";
import { nonStringKey, PYTHON_ONLY_VALUE, rewordStandIns } from "./python-only-values.ts";
import { decodeStringNode } from "./string-literal.ts";
import { pythonName, syntaxChildren } from "./syntax-nodes.ts";

export interface Evaluated {
  value: DeclValue;
  shape: ValueShape;
}

/** A call's arguments, evaluated: positional values, and keywords in the order written. */
export interface EvaluatedArgs {
  positional: Evaluated[];
  keywords: Map<string, KeyedShape & { evaluated: DeclValue }>;
}

/** CPython's tokenizer refuses more than 200 nested brackets; deeper input is refused here, not recursed into. */
const MAX_DEPTH = 200;

export class LiteralEvaluator {
  /** Stand-in key → the key node it replaced, to reword messages that show it. */
  private readonly nonStringKeys = new Map<string, Node>();
  /** Each module constant is evaluated once, as its assignment runs once. */
  private readonly constantValues = new Map<ModuleConstant, Evaluated>();

  constructor(
    private readonly source: SourceText,
    private readonly bindings: MvmBindings,
    private readonly constants: ModuleConstants,
  ) {}

  /**
   * Runs, in source order, the module's constant assignments that end before `index`, as the SDK route
   * executes them before it reaches a decorator: a helper error in `metrics = mvm.addon(...)` comes
   * first. A value the compiler cannot read is only an error if a declaration uses it.
   */
  evaluateConstantsBefore(index: number): void {
    for (const constant of this.constants.all()) {
      if (constant.assignment.endIndex > index || this.constantValues.has(constant)) continue;
      try {
        this.constantValue(constant, 0);
      } catch (err) {
        if (!(err instanceof MvmError) || err.code !== "COMPILE_NON_LITERAL") throw err;
      }
    }
  }

  evaluate(node: Node, depth = 0): Evaluated {
    if (depth > MAX_DEPTH) throw this.error("COMPILE_SYNTAX", node, `expression nested more than ${MAX_DEPTH} levels deep`);
    const shape: ValueShape = { node };
    switch (node.type) {
      case "parenthesized_expression": {
        const [inner] = syntaxChildren(node);
        if (!inner || inner.type === "list_splat" || inner.type === "yield") throw this.nonLiteral(node);
        return this.evaluate(inner, depth + 1);
      }
      case "string":
      case "concatenated_string": {
        const literal = decodeStringNode(node, this.source);
        return { value: literal.kind === "str" ? literal.value : PYTHON_ONLY_VALUE, shape };
      }
      case "integer":
      case "float":
        return { value: numberValue(readNumber(node, this.source)), shape };
      case "unary_operator":
        return { value: this.signedNumber(node), shape };
      case "true":
        return { value: true, shape };
      case "false":
        return { value: false, shape };
      case "none":
        return { value: null, shape };
      case "ellipsis":
        return { value: PYTHON_ONLY_VALUE, shape };
      case "list":
      case "tuple":
      case "set": {
        const items = syntaxChildren(node).map((item) => {
          if (item.type === "list_splat") throw this.nonLiteral(item, "unpacking with * is not a literal; write the elements out");
          return this.evaluate(item, depth + 1);
        });
        shape.items = items.map((item) => item.shape);
        // The SDK takes only lists: a tuple or a set is refused wherever a check meets it.
        return { value: node.type === "list" ? items.map((item) => item.value) : PYTHON_ONLY_VALUE, shape };
      }
      case "dictionary":
        return this.dictionary(node, shape, depth);
      case "call":
        return this.call(node, depth);
      case "identifier": {
        const constant = this.constants.lookup(node);
        if (!constant) throw this.nonLiteral(node, "a name is read only when the module assigns it once, at top level, before the declaration (NAME = literal or helper call)");
        // The path of a later error walks into the constant's value; its caret starts at this use.
        const { value, shape: defined } = this.constantValue(constant, depth);
        return { value, shape: { ...defined, node } };
      }
      default:
        throw this.nonLiteral(node);
    }
  }

  /** Evaluates an argument list in source order. Splats are refused: their contents are not in the file. */
  evaluateArgs(argumentList: Node, depth: number): EvaluatedArgs {
    const args: EvaluatedArgs = { positional: [], keywords: new Map() };
    if (argumentList.type !== "argument_list") throw this.nonLiteral(argumentList, "a generator is not a literal");
    for (const arg of syntaxChildren(argumentList)) {
      if (arg.type === "list_splat" || arg.type === "dictionary_splat") {
        throw this.nonLiteral(arg, "argument unpacking (*args / **kwargs) is not a literal; write each argument out");
      }
      if (arg.type !== "keyword_argument") {
        args.positional.push(this.evaluate(arg, depth + 1));
        continue;
      }
      const nameNode = arg.childForFieldName("name");
      const valueNode = arg.childForFieldName("value");
      if (!nameNode || !valueNode) throw this.error("COMPILE_SYNTAX", arg, "malformed keyword argument");
      const { value, shape } = this.evaluate(valueNode, depth + 1);
      args.keywords.set(pythonName(nameNode), { keyNode: nameNode, value: shape, evaluated: value });
    }
    return args;
  }

  private constantValue(constant: ModuleConstant, depth: number): Evaluated {
    const known = this.constantValues.get(constant);
    if (known) return known;
    const evaluated = this.evaluate(constant.value, depth + 1);
    this.constantValues.set(constant, evaluated);
    return evaluated;
  }

  private call(node: Node, depth: number): Evaluated {
    const callee = node.childForFieldName("function");
    const argumentList = node.childForFieldName("arguments");
    if (!callee || !argumentList) throw this.error("COMPILE_SYNTAX", node, "malformed call");
    const target = this.bindings.resolveCallee(callee);
    if (target.kind === "other") {
      throw this.nonLiteral(callee, "the static compiler reads only literals and mvm helper calls (mvm.secret(...) for run-time values); write the value inline");
    }
    if (target.kind === "app") throw this.nonLiteral(node, "mvm.app(...) is only read as the decorator of a module-level function");
    // `mvm.gpu` fails at the attribute lookup, before any argument is evaluated.
    if (target.kind === "unknown") throw this.locatedAt(unknownHelperError(target.name), target.node);
    const args = this.evaluateArgs(argumentList, depth);
    const kwargs: { [key: string]: DeclValue } = Object.create(null);
    for (const [name, keyword] of args.keywords) kwargs[name] = keyword.evaluated;
    try {
      const value = callHelper(target.name, args.positional.map((p) => p.value), kwargs, "python");
      return { value, shape: { node, isHelperCall: true } };
    } catch (err) {
      if (!(err instanceof MvmError)) throw err;
      const at = nodeForPath(node, args.keywords, args.positional.map((p) => p.shape), err.path, err.code);
      throw this.locatedAt(err, at);
    }
  }

  private dictionary(node: Node, shape: ValueShape, depth: number): Evaluated {
    const value: { [key: string]: DeclValue } = Object.create(null);
    const entries = new Map<string, KeyedShape>();
    for (const pair of syntaxChildren(node)) {
      if (pair.type === "dictionary_splat") throw this.nonLiteral(pair, "unpacking with ** is not a literal; write the entries out");
      const keyNode = pair.childForFieldName("key");
      const valueNode = pair.childForFieldName("value");
      if (pair.type !== "pair" || !keyNode || !valueNode) throw this.nonLiteral(pair);
      const evaluatedKey = this.evaluate(keyNode, depth + 1).value;
      const key = typeof evaluatedKey === "string" ? evaluatedKey : nonStringKey(keyNode);
      if (key !== evaluatedKey) this.nonStringKeys.set(key, keyNode);
      const item = this.evaluate(valueNode, depth + 1);
      // Python keeps the first position of a repeated key and the last value: so does a JS object.
      value[key] = item.value;
      entries.set(key, { keyNode, value: item.shape });
    }
    shape.entries = entries;
    return { value, shape };
  }

  private signedNumber(node: Node): DeclValue {
    const operator = node.childForFieldName("operator")?.type;
    let operand = node.childForFieldName("argument");
    while (operand?.type === "parenthesized_expression") operand = syntaxChildren(operand)[0] ?? null;
    if ((operator !== "-" && operator !== "+") || (operand?.type !== "integer" && operand?.type !== "float")) {
      throw this.nonLiteral(node, "only a number literal with - or + in front is read as a literal");
    }
    const literal = readNumber(operand, this.source);
    return numberValue(operator === "-" ? negate(literal) : literal);
  }

  private nonLiteral(node: Node, hint = "use a literal (string, number, True/False/None, list, dict) or an mvm helper call"): MvmError {
    const what = node.type === "identifier" ? `the name ${node.text}` : `a ${node.type.replaceAll("_", " ")}`;
    return this.error("COMPILE_NON_LITERAL", node, `${what} is not a literal the static compiler can read`, hint);
  }

  private error(code: "COMPILE_SYNTAX" | "COMPILE_NON_LITERAL", node: Node, message: string, hint?: string): MvmError {
    return new MvmError(code, message, hint, { location: this.source.locate(node) });
  }

  /** Locates a lowering error at `node`, naming any Python-only value it shows as written. */
  locatedAt(err: MvmError, node: Node): MvmError {
    rewordStandIns(err, node, this.nonStringKeys);
    return err.at(this.source.locate(node));
  }
}

function numberValue(literal: NumberLiteral): DeclValue {
  return literal.kind === "complex" ? PYTHON_ONLY_VALUE : literal.value;
}
