import { readFileSync, readdirSync } from "node:fs";
import { canonicalJson, MvmError } from "@mvm/ir";
import { compilePython } from "/work/main/packages/compiler/src/python/index.ts";
const root = "/work/main/fixtures/compile-corpus/python/apps";
for (const c of readdirSync(root)) {
  const f = `${root}/${c}`;
  try {
    const r = await compilePython(f, readFileSync(f, "utf8"));
    if (r.kind === "app") console.log("OK", c, canonicalJson(r.workload).slice(0, 0));
  } catch (e) { if (e instanceof MvmError) console.log("ERR ", c, e.format(), JSON.stringify(e.location)); else throw e; }
}
