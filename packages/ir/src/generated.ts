import { fileURLToPath } from "node:url";
import * as z from "zod";
import { ERROR_CODES } from "./error-codes.ts";
import { Launch } from "./launch.ts";
import { Workload } from "./schema.ts";

const repoFile = (relative: string) => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));

/** Every derived file as [absolute path, exact text]: the JSON Schemas and the Python error-code table. */
export function generatedFiles(): [string, string][] {
  const schema = { title: "mvm Workload IR 0.1", ...z.toJSONSchema(Workload) };
  const python = [
    "# Generated from packages/ir/src/error-codes.ts by `npm run gen`; do not edit.",
    '"""The one table of mvm error codes, shared with mvm-sdk and mvmctl."""',
    "",
    "ERROR_CODES = {",
    ...Object.entries(ERROR_CODES).map(([code, meaning]) => `    ${JSON.stringify(code)}: ${JSON.stringify(meaning)},`),
    "}",
    "",
  ].join("\n");
  return [
    [repoFile("packages/ir/schema/workload.schema.json"), `${JSON.stringify(schema, null, 2)}\n`],
    [repoFile("packages/ir/schema/launch.schema.json"), `${JSON.stringify({ title: "mvm launch.json 1.1", ...z.toJSONSchema(Launch) }, null, 2)}\n`],
    [repoFile("sdk/python/mvm/_error_codes.py"), python],
  ];
}
