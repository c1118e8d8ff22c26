/** What every conformance suite needs: agents of one variant, stopped (and checked for sanitizer reports) after. */
import assert from "node:assert/strict";
import { after, afterEach } from "node:test";
import { GuestCallError } from "@mvm/runtime";
import { sanitizerReports, startAgent, type AgentOptions, type AgentUnderTest, type AgentVariant } from "../agent-under-test.ts";

export interface SuiteContext {
  variant: AgentVariant;
  /** Test names carry the variant, so a failure says which binary it was. */
  name(title: string): string;
  start(options?: AgentOptions): Promise<AgentUnderTest>;
  ready(options?: AgentOptions): Promise<AgentUnderTest>;
}

export function suiteContext(variant: AgentVariant): SuiteContext {
  const agents: AgentUnderTest[] = [];
  // Sanitizer reports are printed when the fault happens, so the test that caused one fails, not a later one.
  let checked = 0;
  afterEach(() => {
    const fresh = agents.slice(checked);
    checked = agents.length;
    const reports = fresh.flatMap((a) => sanitizerReports(a.console()));
    assert.deepEqual(reports, [], "the sanitized agent reported a fault");
  });
  after(async () => {
    const results = await Promise.allSettled(agents.map((a) => a.stop()));
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length) throw failed[0]?.status === "rejected" ? failed[0].reason : new Error("stop failed");
  });
  const start = async (options: AgentOptions = {}) => {
    const a = await startAgent({ variant, ...options });
    agents.push(a);
    return a;
  };
  return {
    variant,
    name: (title) => (variant === "release" ? title : `[${variant}] ${title}`),
    start,
    async ready(options = {}) {
      const a = await start(options);
      await a.client.waitForReady(30_000);
      return a;
    },
  };
}

export async function rejectsWith(p: Promise<unknown>, code: string): Promise<GuestCallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GuestCallError, `expected a GuestCallError ${code}, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}
