/**
 * TypeScript's calling convention for helpers: `localPath(path, { include })`, `secret(name, { var })`,
 * `python_image({ python })` — a positional first parameter where the table has one, then one options
 * object. Converted here to the positional + keywords form `callHelper` takes, for the SDK and the compiler alike.
 */
import { given } from "./checks.ts";
import { callHelper, tsCallingConvention } from "./helpers.ts";
import { declError, describeValue, isPlainObject, type DeclValue, type HelperValue } from "./values.ts";

export function callHelperTs(name: string, args: readonly DeclValue[]): HelperValue {
  const convention = tsCallingConvention(name);
  const hasPositional = convention.positional;
  const optionsIndex = hasPositional ? 1 : 0;
  const maxArgs = optionsIndex + (convention.options ? 1 : 0);
  if (args.length > maxArgs) {
    const takes = [hasPositional && "a value", convention.options && "an options object"].filter(Boolean).join(" and ");
    throw declError("DECL_POSITIONAL_ARG", `${name} takes ${takes}, got ${args.length} arguments`, [maxArgs]);
  }
  const options = args[optionsIndex];
  if (given(options) && !isPlainObject(options)) {
    throw declError("DECL_BAD_ARGUMENT", `the options of ${name} must be an object literal, got ${describeValue(options)}`, [optionsIndex]);
  }
  const kwargs = given(options) ? options : {};
  return callHelper(name, hasPositional && args.length > 0 ? [args[0]] : [], kwargs, "node");
}
