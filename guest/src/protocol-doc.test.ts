import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { PROTOCOL_CHANGES, PROTOCOL_VERSION, protocolHas } from "./protocol.ts";

const doc = readFileSync(fileURLToPath(new URL("../PROTOCOL.md", import.meta.url)), "utf8");

test("PROTOCOL.md's Changes table has one row per PROTOCOL_CHANGES entry, in order", () => {
  const table = doc.slice(doc.indexOf("## Changes"));
  const rows = [...table.matchAll(/^\| (\d+) \| `([a-z_]+)` \|/gm)].map((m) => ({ version: Number(m[1]), feature: m[2] }));
  assert.deepEqual(rows, PROTOCOL_CHANGES.map((c) => ({ version: c.version, feature: c.feature })));
  assert.ok(PROTOCOL_CHANGES.every((c) => c.version <= PROTOCOL_VERSION));
  assert.match(doc, new RegExp(`^# mvm host↔guest protocol, version ${PROTOCOL_VERSION}$`, "m"));
});

test("protocolHas gates a feature on the version an agent chose", () => {
  assert.equal(protocolHas(2, "session"), true);
  assert.equal(protocolHas(1, "session"), false);
  assert.equal(protocolHas(1, "base"), true);
});
