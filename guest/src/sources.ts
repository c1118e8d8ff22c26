import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The guest/ folder of this checkout: the agent's C sources and the runners are copied or compiled from here. */
export const GUEST_DIR = fileURLToPath(new URL("../", import.meta.url));
/** The agent's C sources and headers. */
export const AGENT_SOURCE_DIR = join(GUEST_DIR, "agent");

/** Absolute paths of the runner sources, to copy into an image at GUEST_RUNNER_PATHS. */
export function runnerSourcePaths(): { python: string; node: string } {
  return { python: join(GUEST_DIR, "runners", "python", "runner.py"), node: join(GUEST_DIR, "runners", "node", "runner.mjs") };
}
