// Every row of the data tables against the real suites, through the host's own mirror: a package the
// table names must exist in each suite the row names (debian-attributes.ts), and each suite must ship the
// Python minors debian-suites.ts says it does. Needs the network the build itself needs (the Debian mirror).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { suiteCandidates } from "./apt-index.test-helpers.ts";
import { DEBIAN_ATTRIBUTE_TABLE } from "./debian-attributes.ts";
import { BASE_DEBIAN_PACKAGES } from "./debian.ts";
import { DEBIAN_SUITES } from "./debian-suites.ts";

const candidates = new Map<string, Map<string, string | undefined>>();

before(async () => {
  for (const { suite, python } of DEBIAN_SUITES) {
    const names = new Set<string>([...BASE_DEBIAN_PACKAGES, "libstdc++6", ...python.map((m) => `python${m}`)]);
    for (const row of DEBIAN_ATTRIBUTE_TABLE) if (row.suites.includes(suite as never)) for (const p of row.packages) names.add(p);
    candidates.set(suite, await suiteCandidates(suite, [...names]));
  }
});

const has = (suite: string, pkg: string) => candidates.get(suite)?.get(pkg);

for (const { suite, python } of DEBIAN_SUITES) {
  test(`${suite} ships python${python.join(", python")} and every image's base packages`, () => {
    for (const pkg of [...python.map((m) => `python${m}`), ...BASE_DEBIAN_PACKAGES, "libstdc++6"]) assert.ok(has(suite, pkg), `${pkg} is not in ${suite}`);
  });
}

for (const row of DEBIAN_ATTRIBUTE_TABLE) {
  test(`attribute ${row.attribute} → ${row.packages.join(", ")} exists in ${row.suites.join(", ")}`, () => {
    for (const suite of row.suites) for (const pkg of row.packages) assert.ok(has(suite, pkg), `${pkg} (for ${row.attribute}) is not in ${suite}`);
  });
}
