// Agent conformance, part 4: what user code can do to the runner's plumbing (PROTOCOL.md §Runner framing). Frames
// travel on private close-on-exec fds, stdin is /dev/null, fd-level output comes back through the runner and goes
// to the call when exactly one is in flight; a host request the agent cannot relay is answered, never left hanging.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_INFLIGHT } from "@mvm/guest";
import type { AgentVariant } from "../agent-under-test.ts";
import { waitFor } from "../agent-under-test.ts";
import { rejectsWith, suiteContext } from "./context.ts";

export function runnerIsolationSuite(variant: AgentVariant): void {
  const ctx = suiteContext(variant);

  test(ctx.name("node: fs.writeSync(1) and a child with inherited stdio go to the call's stdout, never into the frames"), async () => {
    const a = await ctx.ready({ language: "node", function: "fdWrite", params: ["text"] });
    const r = await a.client.invoke({ text: "raw" });
    assert.equal(r.value, "wrote");
    assert.equal(r.stdout, "raw\nchild raw\n");
    assert.equal((await a.client.invoke({ text: "again" })).stdout, "again\nchild again\n");
  });

  test(ctx.name("python: os.write to fd 1 and 2 goes to the only call in flight"), async () => {
    const a = await ctx.ready({ function: "fd_write", params: ["text"] });
    const r = await a.client.invoke({ text: "low\n" });
    assert.deepEqual([r.value, r.stdout, r.stderr], ["wrote", "low\n", "fd2 low\n"]);
  });

  test(ctx.name("python: with several calls in flight, fd-level bytes go to the console, and every call is answered"), async () => {
    const a = await ctx.ready({ function: "echo", params: ["value", "delay_ms"] });
    const slow = [1, 2, 3].map((i) => a.client.invoke({ value: i, delay_ms: 1500 }));
    const r = await a.client.invoke({ text: "shared\n" }, { function: "fd_write" });
    assert.equal(r.stdout, "", "not attributed to any call while four are in flight");
    assert.deepEqual((await Promise.all(slow)).map((x) => x.stdout), ["echo 1\n", "echo 2\n", "echo 3\n"]);
    await waitFor(() => a.console().includes("mvm-runner: shared"), "the bytes on the console");
  });

  test(ctx.name("python: a child reading stdin gets EOF, not the runner's frames, with 20 calls at once"), async () => {
    const a = await ctx.ready({ function: "read_stdin", params: [], maxInflight: 24 });
    const results = await Promise.all(Array.from({ length: 20 }, () => a.client.invoke({}, { timeoutMs: 30_000 })));
    assert.deepEqual(results.map((r) => r.value), Array.from({ length: 20 }, () => ""));
    assert.doesNotMatch(a.console(), /restarting/);
  });

  for (const language of ["python", "node"] as const) {
    test(ctx.name(`${language}: a child process sees none of the runner's private fds 3-7`), async () => {
      const a = await ctx.ready({ language, function: language === "python" ? "open_fds" : "openFds", params: [] });
      assert.deepEqual((await a.client.invoke({})).value, []);
    });
  }

  test(ctx.name("before_start writing to stdout reaches the console and cannot corrupt the runner's frames"), async () => {
    const a = await ctx.start({ hooks: { before_start: [{ kind: "shell", line: "echo hello from before_start; echo and stderr >&2" }] } });
    await a.client.waitForReady(30_000);
    assert.equal((await a.client.invoke({ name: "x" })).value, "hello x");
    assert.match(a.console(), /mvm-runner: hello from before_start\n/);
  });

  for (const language of ["python", "node"] as const) {
    test(ctx.name(`${language}: a host_request the agent refuses is answered with an error, not left to the call's timeout`), async () => {
      const a = await ctx.ready({ language, function: language === "python" ? "host_kind" : "hostKind", params: ["kind"], client: { onHostRequest: async () => "ok" } });
      const err = await rejectsWith(a.client.invoke({ kind: "k".repeat(65) }, { timeoutMs: 20_000 }), "RUN_FUNCTION_ERROR");
      assert.match(err.frame.exception?.message ?? "", /bad_frame/);
      assert.equal((await a.client.invoke({ kind: "web_fetch" })).value, "ok");
    });
  }

  test(ctx.name(`python: host requests past MAX_INFLIGHT (${MAX_INFLIGHT}) at once are refused busy, the rest answered`), async () => {
    let running = 0;
    let peak = 0;
    const a = await ctx.ready({
      function: "many_host_requests", params: ["n"],
      client: {
        onHostRequest: async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 300));
          running--;
          return null;
        },
      },
    });
    const results = (await a.client.invoke({ n: MAX_INFLIGHT + 6 }, { timeoutMs: 30_000 })).value;
    assert.ok(Array.isArray(results));
    assert.equal(results.filter((r) => r === "ok").length + results.filter((r) => /busy/.test(String(r))).length, MAX_INFLIGHT + 6);
    assert.ok(results.filter((r) => /busy/.test(String(r))).length >= 6, JSON.stringify(results));
    assert.ok(peak <= MAX_INFLIGHT);
  });
}
