import { test } from "node:test";
import assert from "node:assert/strict";
import { MvmError } from "@mvm/ir";
import { debianSuiteMirrorLines, hostDebianCodename, parseDeb822Sources, parseOneLineSources } from "./apt-sources.ts";

// Placeholder hosts: the real mirror is always read from the host's own configuration.
const DEB822 = `Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main contrib

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://thirdparty.example/node
Suites: nodistro
Components: main
`;

test("deb822: enabled deb stanzas only, with suites, components and signed-by", () => {
  const sources = parseDeb822Sources(DEB822);
  assert.deepEqual(sources.map((s) => s.uri), ["http://mirror.example/debian", "http://mirror.example/debian-security", "http://thirdparty.example/node"]);
  assert.deepEqual(sources[0]?.suites, ["bookworm", "bookworm-updates"]);
  assert.equal(sources[0]?.signedBy, "/usr/share/keyrings/debian-archive-keyring.gpg");
  assert.deepEqual(sources[1]?.components, ["main", "contrib"]);
});

test("one-line sources.list: deb lines with options; deb-src and comments ignored", () => {
  const sources = parseOneLineSources(
    "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib\ndeb-src http://mirror.example/debian bookworm main\n",
  );
  assert.deepEqual(sources, [{ uri: "http://mirror.example/debian", suites: ["bookworm"], components: ["main", "contrib"], signedBy: "/k.gpg" }]);
});

test("a released suite gets the host's archive and security mirrors, pointed at that suite, for mmdebstrap", () => {
  assert.deepEqual(debianSuiteMirrorLines({ suite: "trixie", released: true }, parseDeb822Sources(DEB822), "bookworm"), [
    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian trixie main",
    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian trixie-updates main",
    "deb http://mirror.example/debian-security trixie-security main contrib",
  ]);
});

test("sid has no -updates or -security suites; third-party sources are never borrowed", () => {
  const lines = debianSuiteMirrorLines({ suite: "sid", released: false }, parseDeb822Sources(DEB822), "bookworm");
  assert.deepEqual(lines, ["deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian sid main"]);
});

test("a host without a source for its own release is a coded error", () => {
  assert.throws(() => debianSuiteMirrorLines({ suite: "trixie", released: true }, parseDeb822Sources(DEB822), "noble"),
    (e: unknown) => e instanceof MvmError && e.code === "BUILD_APT_SOURCES" && /noble/.test(e.message));
});

test("the codename comes from os-release", () => {
  assert.equal(hostDebianCodename('NAME="Debian"\nVERSION_CODENAME=bookworm\n'), "bookworm");
});
