/**
 * The version policy for `python3NN` (DESIGN.md §4): the exact minor from a released suite; else the exact
 * minor from sid, said loudly; else the nearest newer minor (released suites first), recorded as a
 * substitution and warned about, or refused under --strict.
 */
import { MvmError } from "@mvm/ir";
import type { Substitution } from "../../registry/manifest.ts";
import { DEBIAN_SUITES, type DebianSuite } from "./debian-suites.ts";

export interface PythonChoice {
  suite: DebianSuite;
  /** The minor the image gets, e.g. "3.13". */
  minor: string;
  substitution?: Substitution;
  warnings: string[];
}

const minorNumber = (v: string) => Number(v.split(".")[1]);

/** Picks the suite and minor for `requested` ("3.12") asked for by `attribute` ("python312"). */
export function choosePython(attribute: string, requested: string, strict: boolean, suites: readonly DebianSuite[] = DEBIAN_SUITES): PythonChoice {
  const offers = suites.flatMap((suite) => suite.python.map((minor) => ({ suite, minor })));
  // Released suites first, so a minor both trixie and sid ship comes from trixie.
  offers.sort((a, b) => Number(b.suite.released) - Number(a.suite.released));
  const fromSid = (c: { suite: DebianSuite; minor: string }) =>
    c.suite.released ? [] : [`Python ${c.minor} comes from ${c.suite.suite} (Debian unstable): no released suite ships it`];

  const exact = offers.find((o) => o.minor === requested);
  if (exact) return { suite: exact.suite, minor: exact.minor, warnings: fromSid(exact) };

  const newer = offers.filter((o) => minorNumber(o.minor) > minorNumber(requested) && o.minor.startsWith("3."));
  const available = [...new Set(offers.map((o) => `${o.minor} (${o.suite.suite})`))].join(", ");
  if (newer.length === 0) {
    throw new MvmError("BUILD_VERSION_UNAVAILABLE", `${attribute}: no Debian suite ships Python ${requested} or a newer minor; available: ${available}`,
      `use one of those, e.g. python_image(python="${offers.at(-1)?.minor ?? "3.13"}")`);
  }
  const nearest = Math.min(...newer.map((o) => minorNumber(o.minor)));
  const pick = newer.find((o) => minorNumber(o.minor) === nearest) as (typeof newer)[number];
  const reason = `no Debian suite ships Python ${requested}; ${pick.suite.suite} ships ${pick.minor}, the nearest newer minor`;
  if (strict) {
    throw new MvmError("BUILD_VERSION_UNAVAILABLE", `${attribute}: ${reason}, and --strict refuses substitutes (available: ${available})`,
      `declare python_image(python="${pick.minor}"), or build without --strict to accept ${pick.minor}`);
  }
  return {
    suite: pick.suite,
    minor: pick.minor,
    substitution: { attribute, requested, resolved: pick.minor, reason },
    warnings: [`${attribute}: Python ${requested} is not available, building with Python ${pick.minor} from ${pick.suite.suite} instead (--strict refuses this)`, ...fromSid(pick)],
  };
}
