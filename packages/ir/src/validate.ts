import type { z } from "zod";
import { formatJsonPath } from "./canonical-json.ts";
import { MvmError } from "./errors.ts";
import { Workload } from "./schema.ts";

/**
 * Checks untrusted JSON against a schema. Throws IR_INVALID naming every failing JSON path and what
 * was expected there, e.g. `$.apps[0].resources.memory_mb: expected an integer >= 16, got 4`.
 */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  // The checked input itself, not zod's copy: the copy drops a key named "__proto__" (a legal env variable).
  if (result.success) return value as z.infer<T>;
  const lines = result.error.issues.map((issue) => `  ${formatJsonPath(issue.path)}: ${issue.message}`);
  throw new MvmError("IR_INVALID", `${what} does not match the schema:\n${lines.join("\n")}`);
}

export function validateWorkload(value: unknown): Workload {
  return parseWith(Workload, value, "the Workload");
}
