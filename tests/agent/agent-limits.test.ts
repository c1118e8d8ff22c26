// The conformance suite's part 3 (suites/limits.ts) against the release agent.
import { limitsSuite } from "./suites/limits.ts";

limitsSuite("release");
