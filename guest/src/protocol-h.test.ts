import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PROTOCOL_H_PATH, renderProtocolH } from "../scripts/gen-protocol-h.ts";

test("guest/agent/protocol.h matches protocol.ts (run: npm run gen)", () => {
  assert.equal(readFileSync(PROTOCOL_H_PATH, "utf8"), renderProtocolH());
});
