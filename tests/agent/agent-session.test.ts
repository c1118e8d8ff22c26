// The conformance suite's part 5 (suites/session.ts) against the release agent.
import { sessionSuite } from "./suites/session.ts";

sessionSuite("release");
