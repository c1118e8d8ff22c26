/**
 * Plain host-mediated egress (web_fetch with no secret in it): allowed only to origins the operator lists in
 * `MVM_HOME/egress.json` — empty by default, so nothing leaves unless allowed. A request that carries a secret
 * is allowed by that secret's own allowlist instead (store.ts).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mvmHome } from "@mvm/builder";
import { MvmError } from "@mvm/ir";
import * as z from "zod";
import { displayOrigin, parseOrigin, type Origin } from "./origin.ts";

const EgressFile = z.strictObject({ allowed: z.array(z.string()) });

function egressPath(): string {
  return join(mvmHome(), "egress.json");
}

export function egressAllowlist(): Origin[] {
  const path = egressPath();
  if (!existsSync(path)) return [];
  const parsed = EgressFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new MvmError("SECRET_STORE_CORRUPT", `${path} is not {"allowed": [origins]}`, "fix or remove the file");
  return parsed.data.allowed;
}

function save(allowed: Origin[]): string[] {
  const path = egressPath();
  writeFileSync(`${path}.tmp-${process.pid}`, `${JSON.stringify({ allowed: [...new Set(allowed)].sort() })}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp-${process.pid}`, path);
  return egressAllowlist().map(displayOrigin);
}

export function allowEgress(origins: readonly string[]): string[] {
  return save([...egressAllowlist(), ...origins.map((o) => parseOrigin(o))]);
}

export function denyEgress(origins: readonly string[]): string[] {
  const drop = new Set(origins.map((o) => parseOrigin(o)));
  return save(egressAllowlist().filter((o) => !drop.has(o)));
}
