/** The recording a record-mode script leaves (RECORDING.md), as a zod schema: the file is untrusted input. */
import { MvmError } from "@mvm/ir";
import * as z from "zod";

const Site = z.strictObject({ line: z.int().min(1), column: z.int().min(1) });

const Event = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("commands.run"), cmd: z.union([z.string(), z.array(z.string()).min(1)]), at: Site.optional() }),
  z.strictObject({ op: z.literal("files.write"), path: z.string(), bytes_b64: z.base64(), at: Site.optional() }),
  z.strictObject({ op: z.literal("kill"), at: Site.optional() }),
]);

const SandboxOptions = z.strictObject({
  name: z.string().optional(),
  template: z.string(),
  env: z.record(z.string(), z.string()).optional(),
  resources: z.record(z.string(), z.json()).optional(),
  network: z.record(z.string(), z.json()).optional(),
});

export const Recording = z.strictObject({
  recording_version: z.literal(1),
  sandboxes: z.array(z.strictObject({ options: SandboxOptions, at: Site.optional(), events: z.array(Event) })),
});
export type Recording = z.infer<typeof Recording>;
export type RecordedSandbox = Recording["sandboxes"][number];
export type RecordedEvent = RecordedSandbox["events"][number];
export type RecordedSite = z.infer<typeof Site>;

/** Parses and validates recording bytes; any defect is COMPILE_RECORD_FAILED naming the JSON paths. */
export function parseRecording(bytes: Buffer, where: string): Recording {
  let json: unknown;
  let hasProtoKey = false;
  try {
    // zod rebuilds objects by assignment, which would drop a "__proto__" key silently: find it first.
    json = JSON.parse(bytes.toString("utf8"), (key, value: unknown) => {
      if (key === "__proto__") hasProtoKey = true;
      return value;
    });
  } catch (err) {
    throw new MvmError("COMPILE_RECORD_FAILED", `the recording ${where} is not JSON: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
  if (hasProtoKey) {
    throw new MvmError("COMPILE_RECORD_FAILED", `the recording ${where} uses the key "__proto__", which record mode cannot carry`, "rename that env variable or option");
  }
  const result = Recording.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10).map((issue) => `  $${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${issue.message}`);
  throw new MvmError("COMPILE_RECORD_FAILED", `the recording ${where} does not match recording format 1:\n${issues.join("\n")}`,
    "the recording is written by mvm-sdk's Sandbox API; check that the script uses the same mvm-sdk as mvmctl (see RECORDING.md)");
}
