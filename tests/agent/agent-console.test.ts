// A console slower than the output must not freeze the agent (PROTOCOL.md §Memory and time): with the agent's
// stderr not read at all and a thread spamming fd 2, pings are answered and deadlines enforced; what did not fit
// is dropped and counted on the console once it drains.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { GuestCallError } from "@mvm/runtime";
import { startAgent, waitFor, type AgentUnderTest } from "./agent-under-test.ts";

const agents: AgentUnderTest[] = [];
after(async () => Promise.all(agents.map((a) => a.stop())));

for (const variant of ["release", "asan"] as const) {
  test(`${variant === "asan" ? "[asan] " : ""}a stalled console costs lines, not pings or deadlines`, async () => {
    const a = await startAgent({ variant, function: "spam_stderr", params: ["seconds"] });
    agents.push(a);
    await a.client.waitForReady(30_000);
    a.child.stderr?.pause();
    assert.equal((await a.client.invoke({ seconds: 8 })).value, "spamming");
    for (let i = 0; i < 4; i++) assert.ok((await a.client.ping(5_000)).uptimeMs > 0, `ping ${i} answered`);
    const late = await a.client.invoke({ ms: 30_000 }, { function: "slow", timeoutMs: 500 }).catch((e: unknown) => e);
    assert.ok(late instanceof GuestCallError && late.code === "RUN_TIMEOUT", `the deadline held: ${late}`);
    a.child.stderr?.resume();
    await waitFor(() => /mvm-agent: console dropped \d+ lines/.test(a.console()), "the dropped-lines marker", 20_000);
  });
}
