/**
 * TypeScript's calling convention for helpers: `localPath(path, { include })`, `secret(name, { var })`,
 * `python_image({ python })` — a positional first parameter where the table has one, then one options
 * object. Converted here to the positional + keywords form `callHelper` takes, for the SDK and the compiler alike.
 */
import { expectObject, given } from "./checks.ts";
import { callHelper, helperTakesPositional } from "./helpers.ts";
import { declError, type DeclValue, type HelperValue } from "./values.ts";

export function callHelperTs(name: string, args: readonly DeclValue[]): HelperValue {
  const hasPositional = helperTakesPositional(name);
  const optionsIndex = hasPositional ? 1 : 0;
  if (args.length > optionsIndex + 1) {
    throw declError("DECL_POSITIONAL_ARG", `${name} takes ${hasPositional ? "a value and an options object" : "one options object"}, got ${args.length} arguments`, [optionsIndex + 1]);
  }
  const options = args[optionsIndex];
  const kwargs = given(options) ? expectObject(options, [optionsIndex]) : {};
  return callHelper(name, hasPositional && args.length > 0 ? [args[0]] : [], kwargs, "node");
}
