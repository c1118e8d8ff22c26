import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PROTOCOL_H_PATH, renderProtocolH } from "../../scripts/gen-protocol-h.ts";

test("guest/agent/protocol.h matches protocol.ts (run: npx tsx packages/runtime/scripts/gen-protocol-h.ts)", () => {
  assert.equal(readFileSync(PROTOCOL_H_PATH, "utf8"), renderProtocolH());
});
