import type { Expression } from "oxc-parser";

/**
 * Strips what does not change a value at run time: parentheses, `as const`, `satisfies T`, `<T>x` and `x!`.
 * The static reading and the SDK's run then see the same value.
 */
export function unwrapExpression(expression: Expression): Expression {
  let current = expression;
  for (;;) {
    switch (current.type) {
      case "ParenthesizedExpression":
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSTypeAssertion":
      case "TSNonNullExpression":
        current = current.expression;
        break;
      default:
        return current;
    }
  }
}
