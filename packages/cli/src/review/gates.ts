/**
 * `mvmctl review --fail-on GATE,...`: CI gates over a review. Each gate is a question with one answer per
 * workload; a gate that trips says why, and review then exits 1 (ADMIT_REVIEW_GATE) after printing the review.
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { Review } from "./collect.ts";

export const GATES = {
  network: "the workload gets a network interface (mode bridge or host)",
  ports: "the workload forwards a port to the host",
  secrets: "the workload references a host secret",
  origins: "a secret requests an origin the operator has not allowed for it",
  hooks: "the workload runs any hook (any phase, app or addon)",
  "before-build": "the workload runs commands at build time (before_build)",
  addons: "an addon contributes hooks",
  substitutions: "an image package resolves to another version than declared",
  unsigned: "DIR is not signed by a key the policy trusts",
} as const;
export type Gate = keyof typeof GATES;

const isGate = (name: string): name is Gate => Object.hasOwn(GATES, name);

/** Commander's parser for --fail-on: a comma-separated list of gate names; anything else is a usage error. */
export function parseGates(value: string, previous: Gate[] = []): Gate[] {
  const names = value.split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isGate(n));
  if (unknown.length || names.length === 0) {
    throw new InvalidArgumentError(`unknown gate${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => JSON.stringify(n)).join(", ") || "(none given)"}; the gates are ${Object.keys(GATES).join(", ")}`);
  }
  return [...new Set([...previous, ...names.filter(isGate)])];
}

export interface TrippedGate {
  gate: Gate;
  why: string;
}

const list = (items: string[]) => items.join(", ");

/** The reason `gate` trips for this review, or undefined when it passes. */
function trip(gate: Gate, r: Review): string | undefined {
  const hooks = Object.entries(r.hooks).flatMap(([phase, list]) => (list ?? []).map((h) => ({ phase, owner: h.owner })));
  switch (gate) {
    case "network":
      return r.network.mode !== "none" ? `mode ${r.network.mode}` : undefined;
    case "ports":
      return r.network.ports.length ? `forwards ${list(r.network.ports.map((p) => `guest ${p.guest} → host ${p.host}/${p.proto}`))}` : undefined;
    case "secrets":
      return r.env.secrets.length ? list(r.env.secrets.map((s) => `${s.name} as ${s.var}`)) : undefined;
    case "origins": {
      const missing = r.env.secrets.filter((s) => s.not_allowed.length);
      return missing.length ? list(missing.map((s) => `${s.name} requests ${s.not_allowed.join(" ")}, not allowed`)) : undefined;
    }
    case "hooks":
      return hooks.length ? `${hooks.length} hook command(s): ${list([...new Set(hooks.map((h) => `${h.phase} (${h.owner})`))])}` : undefined;
    case "before-build":
      return r.hooks.before_build?.length ? `${r.hooks.before_build.length} before_build command(s)` : undefined;
    case "addons": {
      const owners = [...new Set(hooks.map((h) => h.owner).filter((o) => o !== "app"))];
      return owners.length ? `hooks from ${list(owners)}` : undefined;
    }
    case "substitutions":
      return r.image.substitutions.length ? list(r.image.substitutions.map((s) => `${s.attribute}: ${s.requested} → ${s.resolved}`)) : undefined;
    case "unsigned":
      if (r.signature.status === "unsigned") return "no signature.json";
      if (r.signature.status === "invalid") return `signature.json refused: error[${r.signature.code}]`;
      return r.signature.trusted_as === null ? `signed by ${r.signature.signer.name} (key ${r.signature.signer.key_id}), a key the policy does not trust` : undefined;
  }
}

export function trippedGates(gates: readonly Gate[], review: Review): TrippedGate[] {
  return gates.flatMap((gate) => {
    const why = trip(gate, review);
    return why ? [{ gate, why }] : [];
  });
}
