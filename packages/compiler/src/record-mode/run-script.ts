/**
 * Runs a record-mode script under a resolved runner with MVM_SDK_MODE=record. Its stdout and stderr are
 * captured (mvmctl's stdout carries only IR bytes); a failure reports the tail of what the script printed.
 */
import { spawn } from "node:child_process";
import { MvmError } from "@mvm/ir";
import type { ResolvedRunner } from "./runner.ts";

export interface ScriptRun {
  runner: ResolvedRunner;
  script: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  outPath: string;
  timeoutMs: number;
}

export interface ScriptOutput {
  /** Everything the script printed, stdout and stderr interleaved as received. */
  output: string;
}

const TAIL_LINES = 20;

export function runScript(run: ScriptRun): Promise<ScriptOutput> {
  const env = { ...run.env, MVM_SDK_MODE: "record", MVM_SDK_OUT_PATH: run.outPath };
  return new Promise((resolvePromise, reject) => {
    // Its own process group, so a deadline can stop the runner and anything it started.
    const child = spawn(run.runner.path, [...run.runner.args, run.script], { cwd: run.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }
    }, run.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new MvmError("COMPILE_RECORD_FAILED", `could not start ${run.runner.path}: ${err.message}`, undefined, { cause: err }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString("utf8");
      if (code === 0 && !timedOut) return resolvePromise({ output });
      const why = timedOut ? `did not finish within ${run.timeoutMs} ms` : signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new MvmError("COMPILE_RECORD_FAILED", `the record-mode script ${why} (runner: ${run.runner.path})${formatTail(output)}`,
        "fix the script so it runs to the end under the runner, then compile again"));
    });
  });
}

/** The last lines the script printed, indented, or nothing when it printed nothing. */
export function formatTail(output: string): string {
  const lines = output.replace(/\s+$/, "").split("\n");
  if (lines.length === 1 && lines[0] === "") return "";
  return `; its last output:\n${lines.slice(-TAIL_LINES).map((line) => `  | ${line}`).join("\n")}`;
}
