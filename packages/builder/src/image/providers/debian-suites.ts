/**
 * The Debian suites images are built from, and the Python minors each ships as `python3.X` (data; each row
 * is checked against the real suite by debian-suites.test.ts). Released suites never change their Python;
 * sid does, and the test says when this table has fallen behind.
 */
import { MvmError } from "@mvm/ir";

export interface DebianSuite {
  suite: string;
  /** Released suites get `-updates` and `-security` and are preferred; sid is used only when nothing released has the version. */
  released: boolean;
  /** Python minors the suite ships as the `python3.X` package. */
  python: readonly string[];
}

export const DEBIAN_SUITES: readonly DebianSuite[] = [
  { suite: "bookworm", released: true, python: ["3.11"] },
  { suite: "trixie", released: true, python: ["3.13"] },
  { suite: "sid", released: false, python: ["3.13", "3.14", "3.15"] },
];

/** The suite of an image that names no Python: the newest released one. */
export const DEFAULT_SUITE = "trixie";

export function suiteInfo(suite: string): DebianSuite {
  const found = DEBIAN_SUITES.find((s) => s.suite === suite);
  if (!found) throw new MvmError("BUILD_VERSION_UNAVAILABLE", `"${suite}" is not one of the Debian suites mvm builds from (${DEBIAN_SUITES.map((s) => s.suite).join(", ")})`);
  return found;
}
