/**
 * The Tools section of `mvmctl doctor`: what `mvmctl compile` needs on the host — the TypeScript runner
 * record mode would use (resolved exactly as compile resolves it), python3 for the Python SDK, and node.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MvmError, type DoctorCheck } from "@mvm/ir";
import { resolveRunner } from "./record-mode/index.ts";

const execFileP = promisify(execFile);

export async function toolsDoctorChecks(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<DoctorCheck[]> {
  return [runnerCheck(cwd, env), await python3Check(), nodeCheck()];
}

function runnerCheck(cwd: string, env: NodeJS.ProcessEnv): DoctorCheck {
  try {
    const runner = resolveRunner({ cwd, env });
    return { name: "TypeScript runner", ok: true, detail: `${runner.name} from ${runner.source}: ${runner.path}` };
  } catch (err) {
    if (!(err instanceof MvmError)) throw err;
    return { name: "TypeScript runner", ok: false, detail: `none found (${err.message}); record mode needs one`, hint: err.hint };
  }
}

async function python3Check(): Promise<DoctorCheck> {
  const version = await execFileP("python3", ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]).then((r) => r.stdout.trim(), () => null);
  if (version === null) return { name: "python3", ok: false, detail: "not found", hint: "install python3 (3.11 or newer) for the Python SDK's in-process route" };
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const ok = major > 3 || (major === 3 && minor >= 11);
  return { name: "python3", ok, detail: version, hint: ok ? undefined : "the Python SDK needs Python 3.11 or newer" };
}

function nodeCheck(): DoctorCheck {
  const major = Number(process.versions.node.split(".")[0]);
  return { name: "node", ok: major >= 20, detail: process.version, hint: major >= 20 ? undefined : "mvmctl needs Node 20 or newer" };
}
