/** Resolves an expression to the mvm-sdk export it names, through namespace and named-import aliases. */
import type { Expression } from "oxc-parser";
import type { SdkBindings } from "./sdk-bindings.ts";
import { unwrapExpression } from "./unwrap-expression.ts";

/**
 * `mvm.localPath`, `mvm["local_path"]` or a named import `lp` (from `import { localPath as lp }`) →
 * the exported name (`localPath`); anything that does not refer to mvm-sdk → undefined.
 */
export function sdkExportNamed(expression: Expression, bindings: SdkBindings): string | undefined {
  const target = unwrapExpression(expression);
  if (target.type === "Identifier") return bindings.named.get(target.name);
  if (target.type !== "MemberExpression") return undefined;
  const object = unwrapExpression(target.object);
  if (object.type !== "Identifier" || !bindings.namespaces.has(object.name)) return undefined;
  if (!target.computed && target.property.type === "Identifier") return target.property.name;
  if (target.computed && target.property.type === "Literal" && typeof target.property.value === "string") return target.property.value;
  return undefined;
}
