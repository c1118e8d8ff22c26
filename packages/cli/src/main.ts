/**
 * mvmctl: argument parsing and printing only; every command's work lives in the stage packages.
 * The only place that exits the process. Commands load on demand: `compile` should not pay for QEMU code.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError } from "@commander-js/extra-typings";
// The run and admission verbs' modules are small (flags and printing); each loads its stage only when its action runs.
import * as bench from "./commands/bench.ts";
import * as daemon from "./commands/daemon.ts";
import * as down from "./commands/down.ts";
import { defineEgress } from "./commands/egress.ts";
import * as exec from "./commands/exec.ts";
import * as invoke from "./commands/invoke.ts";
import * as keygen from "./commands/keygen.ts";
import * as logs from "./commands/logs.ts";
import * as policy from "./commands/policy.ts";
import * as ps from "./commands/ps.ts";
import * as review from "./commands/review.ts";
import * as rmi from "./commands/rmi.ts";
import { defineSecret } from "./commands/secret.ts";
import * as sign from "./commands/sign.ts";
import * as snapshot from "./commands/snapshot.ts";
import * as up from "./commands/up.ts";
import { EXIT, exitCodeFor, exitCodeHelp } from "./exit-codes.ts";
import { reportError } from "./report.ts";

const program = new Command("mvmctl")
  .description("Declare, build and run microVM workloads")
  .version(packageVersion())
  .exitOverride()
  .showHelpAfterError()
  .addHelpText("after", exitCodeHelp());

program
  .command("compile")
  .description("Parse an app file without running it and print its Workload IR (.py, .ts, .tsx, .mts, .cts, .js, .mjs, .cjs)")
  .argument("<file>", "the app file")
  .option("--out <dir>", "also write DIR/workload.json, DIR/launch.json and DIR/source/")
  .action(async (file, flags) => (await import("./commands/compile.ts")).compileCommand(file, flags));

program
  .command("build")
  .description("Build a bootable image from a compile output (mvmctl compile --out DIR) or straight from an app file, and register it by name")
  .argument("<dir-or-app-file>", "the compile output directory, or an app file (.py, .ts, ...) to compile first")
  .option("--no-cache", "rebuild every layer instead of reusing cached ones")
  .option("--strict", "refuse a substitute runtime version (e.g. Python 3.13 for 3.12) instead of warning")
  .option("--json", "print a JSON summary on stdout")
  .option("--after-start-timeout <ms>", "how long up polls after_start before giving up (default 120000)", positiveMs(24 * 3600_000))
  .option("--after-start-interval <ms>", "the pause between after_start attempts (default 100)", positiveMs(60_000))
  .action(async (target, flags) => (await import("./commands/build.ts")).buildCommand(target, flags, `mvmctl ${packageVersion()}`));

program
  .command("images")
  .alias("ls")
  .description("List the built apps: name, size, when built, ir_hash prefix, runtime, signer")
  .option("--json", "print the list as JSON")
  .action(async (flags) => (await import("./commands/images.ts")).imagesCommand(flags));

program
  .command("kernel")
  .description("Find or build the guest kernel (once per machine; about 3 minutes on 2 cores) and print its path")
  .option("--json", "print {vmlinux, flavour, initrd?, origin} as JSON")
  .action(async (flags) => (await import("./commands/kernel.ts")).kernelCommand(flags));

program
  .command("doctor")
  .description("Check this host: TypeScript runner, python3, QEMU, accelerator, kernel, compilers")
  .option("--json", "print the checks as JSON")
  .action(async (flags) => (await import("./commands/doctor.ts")).doctorCommand(flags));

// Verbs with subcommands define their tree here; each action loads its stage only when it runs. Imported
// statically: the definitions are small, and a module loaded at start-up costs every command (even --version).
defineSecret(program);
defineEgress(program);
for (const verb of [up, invoke, down, ps, logs, exec, rmi, snapshot, daemon, review, keygen, sign, policy, bench]) verb.define(program);

/** A flag value in milliseconds: a whole number from 1 to `max`, else a usage error naming the flag. */
function positiveMs(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`expected milliseconds, a whole number from 1 to ${max}`);
    return n;
  };
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg ? String(pkg.version) : "unknown";
}

/** The exit status: a command's own (`exec` passes the guest command's through), or the error's. */
async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    const code = Number(process.exitCode ?? EXIT.OK);
    return Number.isInteger(code) && code >= 0 && code <= 255 ? code : EXIT.FAILED;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    await reportError(err);
    return exitCodeFor(err);
  }
}

process.exit(await main(process.argv));
