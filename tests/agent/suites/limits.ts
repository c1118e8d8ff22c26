// Agent conformance, part 3: what user code and the host can make the agent hold or do, and what happens at each
// cap (PROTOCOL.md §Caps, §Memory): memory per call, reply budgets, the fields the agent checks, shutdown.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { MAX_EXEC_ARGV, MAX_PAYLOAD } from "@mvm/guest";
import { encodeFrame, GuestCallError } from "@mvm/runtime";
import type { AgentUnderTest, AgentVariant } from "../agent-under-test.ts";
import { rejectsWith, suiteContext } from "./context.ts";

const MiB = 1024 * 1024;

/** The agent's peak resident memory so far (VmHWM), in bytes. */
function peakRss(a: AgentUnderTest): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${a.child.pid}/status`, "utf8"))?.[1];
  assert.ok(kb, "VmHWM in /proc/PID/status");
  return Number(kb) * 1024;
}

export function limitsSuite(variant: AgentVariant): void {
  const ctx = suiteContext(variant);
  // ASan's shadow memory and quarantine make every allocation cost more; the bounds prove boundedness, not size.
  const rssBound = variant === "asan" ? 400 * MiB : 160 * MiB;

  for (const [fn, n] of [["big_list", 5_000_000], ["big_dict", 1_000_000]] as const) {
    test(ctx.name(`a ${fn}(${n}) result costs the agent O(its bytes), not a parse node per item`), async () => {
      const a = await ctx.ready({ function: fn, params: ["n"] });
      const r = await a.client.invoke({ n }, { timeoutMs: 120_000 });
      assert.equal(fn === "big_list" ? (r.value as unknown[]).length : Object.keys(r.value as object).length, n);
      const peak = peakRss(a);
      assert.ok(peak < rssBound, `the agent peaked at ${(peak / MiB).toFixed(0)} MiB for a ~15 MB result`);
    });
  }

  for (const language of ["python", "node"] as const) {
    test(ctx.name(`a ${language} result over the cap fails that call alone with payload_too_large; the runner lives on`), async () => {
      const a = await ctx.ready({ language, function: "echo", params: language === "python" ? ["value", "delay_ms"] : ["value", "delayMs"] });
      const bystander = a.client.invoke(language === "python" ? { value: "bystander", delay_ms: 1500 } : { value: "bystander", delayMs: 1500 });
      const bigString = language === "python" ? "big_string" : "bigString";
      await rejectsWith(a.client.invoke({ n: 70 * MiB }, { function: bigString, timeoutMs: 120_000 }), "RUN_PAYLOAD_TOO_LARGE");
      assert.equal((await bystander).value, "bystander", "the call in flight beside it is answered");
      assert.equal((await a.client.invoke({ n: 3 }, { function: bigString })).value, "xxx", "the same runner answers the next call");
      assert.doesNotMatch(a.console(), /restarting/);
    });
  }

  test(ctx.name("exec output whose base64 passes MAX_PAYLOAD fails that call with payload_too_large; others in flight are unharmed"), async () => {
    const a = await ctx.ready();
    const unrelated = a.client.exec(["sh", "-c", "sleep 1; echo unrelated"]);
    // 33 MB + 18 MB raw is 68 MB as base64: over MAX_PAYLOAD although each stream alone is under half of it.
    const big = a.client.exec(["sh", "-c", "head -c 33000000 /dev/zero; head -c 18000000 /dev/zero >&2"], { timeoutMs: 120_000 });
    await rejectsWith(big, "RUN_PAYLOAD_TOO_LARGE");
    assert.equal((await unrelated).stdout.toString(), "unrelated\n");
    assert.equal(a.client.closedError, undefined);
  });

  test(ctx.name("exec output just under the budget arrives whole, chunked"), async () => {
    const a = await ctx.ready();
    const bytes = 40 * 1000 * 1000; // 53.3 MB as base64
    const r = await a.client.exec(["head", "-c", String(bytes), "/dev/urandom"], { timeoutMs: 120_000 });
    assert.equal(r.stdout.length, bytes);
  });

  test(ctx.name("a command printing 12 MB of NUL bytes (72 MB as JSON escapes) is answered payload_too_large, not dropped"), async () => {
    const a = await ctx.ready({ language: "command", command: ["head", "-c", "12000000", "/dev/zero"] });
    await rejectsWith(a.client.invoke({}, { timeoutMs: 30_000 }), "RUN_PAYLOAD_TOO_LARGE");
    const ok = await ctx.ready({ language: "command", command: ["head", "-c", "1000000", "/dev/zero"] });
    assert.equal((await ok.client.invoke({})).stdout, "\u0000".repeat(1_000_000));
  });

  test(ctx.name(`exec argv is limited to MAX_EXEC_ARGV (${MAX_EXEC_ARGV}) entries`), async () => {
    const a = await ctx.ready();
    const args = (n: number) => ["true", ...Array.from({ length: n - 1 }, () => "x")];
    assert.equal((await a.client.exec(args(MAX_EXEC_ARGV))).exitCode, 0);
    await rejectsWith(a.client.requestRaw({ type: "exec", argv: args(MAX_EXEC_ARGV + 1) }, "exec_result"), "RUN_BAD_FRAME");
    await rejectsWith(a.client.requestRaw({ type: "exec", argv: args(10_000) }, "exec_result"), "RUN_BAD_FRAME");
  });

  test(ctx.name("a type with a NUL byte is not the type before it"), async () => {
    const a = await ctx.ready();
    for (const type of ["chunk\u0000x", "ping\u0000", "invoke\u0000"]) {
      const err = await rejectsWith(a.client.requestRaw({ type, stream: 1, seq: 0, final: true, data: "", input: {} }, "pong"), "RUN_BAD_FRAME");
      assert.equal(err.frame.code, "unknown_type");
    }
    assert.equal(a.client.agentComplaintCount, 0);
  });

  test(ctx.name("numbers out of the integer range are refused before any cast (1e400, -1e400, 1e30, 2^63)"), async () => {
    const a = await ctx.ready();
    for (const id of ["1e400", "-1e400", "1e30", "9223372036854775808", "-9223372036854775809"]) {
      a.socket.write(encodeFrame(Buffer.from(`{"v":2,"type":"ping","id":${id}}`)));
      a.socket.write(encodeFrame(Buffer.from(`{"v":2,"type":"exec","id":1,"argv":["true"],"timeout_ms":${id}}`)));
    }
    assert.ok((await a.client.ping()).uptimeMs > 0);
    assert.ok(a.client.agentComplaints.every((e) => e.code === "RUN_BAD_FRAME"));
  });

  test(ctx.name("a host message past the value budget is refused for its id, not parsed into memory"), async () => {
    const a = await ctx.ready({ function: "echo", params: ["value", "delay_ms"] });
    const items = Array.from({ length: 9 * MiB }, () => 0);
    await rejectsWith(a.client.invoke({ value: items, delay_ms: 0 }, { timeoutMs: 60_000 }), "RUN_PAYLOAD_TOO_LARGE");
    assert.equal((await a.client.invoke({ value: [1, 2], delay_ms: 0 })).value?.toString(), "1,2");
  });

  test(ctx.name("shutdown answers exec and command calls still in flight with not_ready"), async () => {
    const a = await ctx.ready();
    const exec = a.client.exec(["sleep", "30"], { timeoutMs: 60_000 });
    await a.client.ping(); // the exec frame was read before the shutdown frame
    await a.client.shutdown();
    await rejectsWith(exec, "RUN_NOT_READY");
    assert.equal(await a.exited, 0);
    const cmd = await ctx.ready({ language: "command", command: ["sleep", "30"] });
    const invoke = cmd.client.invoke({}, { timeoutMs: 60_000 });
    await cmd.client.ping();
    await cmd.client.shutdown();
    await rejectsWith(invoke, "RUN_NOT_READY");
  });

  test(ctx.name(`a reply is never bigger than MAX_PAYLOAD (${MAX_PAYLOAD}): the biggest result that fits arrives`), async () => {
    const a = await ctx.ready({ function: "big_string", params: ["n"] });
    const n = MAX_PAYLOAD - 128 * 1024;
    const r = await a.client.invoke({ n }, { timeoutMs: 120_000 }).catch((e: unknown) => e);
    assert.ok(!(r instanceof GuestCallError), `a ${n}-byte string fits: ${r instanceof Error ? r.message : ""}`);
  });
}
