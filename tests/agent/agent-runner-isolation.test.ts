// The conformance suite's part 4 (suites/runner-isolation.ts) against the release agent.
import { runnerIsolationSuite } from "./suites/runner-isolation.ts";

runnerIsolationSuite("release");
