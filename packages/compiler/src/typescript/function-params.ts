/**
 * The parameters of the function passed to `app(...)(fn)`, as written: launch.json carries them because
 * the IR cannot (DESIGN.md §2). `fn` may be an arrow, a function expression, or the name of a module-level
 * function (declaration or `const f = (...) => ...`); anything else gives null ("not known statically").
 */
import type { FunctionParam } from "@mvm/ir";
import type { Argument, BindingPattern, Expression, ParamPattern, Program, TSTypeAnnotation } from "oxc-parser";
import type { SourcePositions } from "../source-positions.ts";
import { unwrapExpression } from "./unwrap-expression.ts";

export function readFunctionParams(fn: Argument | null, program: Program, positions: SourcePositions): FunctionParam[] | null {
  if (!fn || fn.type === "SpreadElement") return null;
  const params = paramsOf(unwrapExpression(fn), program);
  if (!params) return null;
  return params.flatMap((param) => {
    const read = readParam(param, positions);
    return read ? [read] : [];
  });
}

function paramsOf(fn: Expression, program: Program): ParamPattern[] | null {
  if (fn.type === "ArrowFunctionExpression" || fn.type === "FunctionExpression") return fn.params;
  if (fn.type !== "Identifier") return null;
  for (const statement of program.body) {
    const declaration =
      statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration" ? statement.declaration : statement;
    if (!declaration) continue;
    if (declaration.type === "FunctionDeclaration" && declaration.id?.name === fn.name) return declaration.params;
    if (declaration.type !== "VariableDeclaration") continue;
    for (const declarator of declaration.declarations) {
      if (declarator.id.type !== "Identifier" || declarator.id.name !== fn.name || !declarator.init) continue;
      const init = unwrapExpression(declarator.init);
      return init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression" ? init.params : null;
    }
  }
  return null;
}

function readParam(param: ParamPattern, positions: SourcePositions): FunctionParam | null {
  if (param.type === "TSParameterProperty") return readParam(param.parameter, positions);
  if (param.type === "RestElement") {
    const inner = describeBinding(param.argument, positions);
    return { name: `...${inner.name}`, has_default: false, type: typeText(param.typeAnnotation ?? inner.annotation, positions) };
  }
  if (param.type === "AssignmentPattern") {
    const inner = describeBinding(param.left, positions);
    return { name: inner.name, has_default: true, type: typeText(inner.annotation, positions) };
  }
  // TypeScript's `this: T` parameter is a type-only declaration, not something a caller passes.
  if (param.type === "Identifier" && param.name === "this") return null;
  const inner = describeBinding(param, positions);
  // `name?: T` may be left out by a caller, as a defaulted one may: invoke must not demand it.
  // oxc types a parameter's `optional` as always false, but sets it for `name?: T` (oxc-parser 0.159).
  const optional = param.type === "Identifier" && (param as { optional?: boolean }).optional === true;
  return { name: inner.name, has_default: optional, type: typeText(inner.annotation, positions) };
}

/** A binding's name as written (`name`, or `{ a, b }` for a destructured one) and its type annotation. */
function describeBinding(pattern: BindingPattern, positions: SourcePositions): { name: string; annotation: TSTypeAnnotation | null | undefined } {
  if (pattern.type === "Identifier") return { name: pattern.name, annotation: pattern.typeAnnotation };
  if (pattern.type === "AssignmentPattern") return describeBinding(pattern.left, positions);
  const annotation = pattern.typeAnnotation;
  const end = annotation ? annotation.start : pattern.end;
  return { name: positions.slice(pattern.start, end).trimEnd().replace(/\?$/, ""), annotation };
}

function typeText(annotation: TSTypeAnnotation | null | undefined, positions: SourcePositions): string | null {
  if (!annotation) return null;
  return positions.slice(annotation.typeAnnotation.start, annotation.typeAnnotation.end);
}
