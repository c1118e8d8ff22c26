// The conformance suites again, against the agent built with AddressSanitizer and UBSan from the same sources.
// Each agent's console is checked when it stops: any sanitizer report fails the run (agent-under-test.ts).
import { limitsSuite } from "./suites/limits.ts";
import { protocolSuite } from "./suites/protocol.ts";
import { runnerIsolationSuite } from "./suites/runner-isolation.ts";
import { sessionSuite } from "./suites/session.ts";

protocolSuite("asan");
limitsSuite("asan");
sessionSuite("asan");
runnerIsolationSuite("asan");
