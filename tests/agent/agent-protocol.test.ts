// The conformance suite's part 1 (suites/protocol.ts) against the release agent, the binary images ship.
import { protocolSuite } from "./suites/protocol.ts";

protocolSuite("release");
