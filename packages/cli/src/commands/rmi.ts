import type { Command } from "@commander-js/extra-typings";
import { withDaemon } from "../daemon-connection.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";

export function define(program: Command): void {
  program
    .command("rmi")
    .description("Remove a built app's image and manifest; refused while instances run from it")
    .argument("<app>", "the app's name")
    .action(async (app) => {
      process.exitCode = await rmi(app);
    });
}

async function rmi(app: string): Promise<ExitCode> {
  const { removed } = await withDaemon((c) => c.request("rmi", { app }));
  process.stdout.write(`removed ${removed}\n`);
  return EXIT.OK;
}
