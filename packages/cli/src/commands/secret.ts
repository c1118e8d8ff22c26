import type { Command } from "@commander-js/extra-typings";
import type { SecretInfo } from "@mvm/runtime";

function print(info: SecretInfo): void {
  process.stdout.write(`${info.name}\t${info.isSet ? `set ${info.setAt}` : "not set"}\t${info.allowed.join(" ") || "(no origin allowed)"}\n`);
}

// The stages load on use, so defining these verbs costs every other command nothing.
const runtime = () => import("@mvm/runtime");
const home = async () => (await import("@mvm/builder")).ensureMvmHome();

/** `mvmctl secret set|ls|rm|allow|deny`: the host store; values never appear in argv, output or logs. */
export function defineSecret(program: Command): void {
  const secret = program.command("secret").description("Manage host-held secrets (the guest only ever sees an opaque token)");
  secret.command("set")
    .description("Set NAME's value from stdin (or a prompt that does not echo); --allow adds origins it may be sent to")
    .argument("<name>")
    .option("--allow <origin...>", "origins (https://host[:port]) this secret may be released to")
    .action(async (name, flags) => {
      await home();
      const { readSecretValue } = await import("../secret-input.ts");
      print((await runtime()).setSecret(name, await readSecretValue(name), flags.allow ?? []));
    });
  secret.command("ls").alias("list").description("List secrets: name, when set, allowed origins — never values").option("--json", "as JSON")
    .action(async (flags) => {
      const all = (await runtime()).listSecrets();
      if (flags.json) process.stdout.write(`${JSON.stringify(all.map((s) => ({ name: s.name, set: s.isSet, set_at: s.setAt, allowed: s.allowed })), null, 2)}\n`);
      else all.forEach(print);
    });
  secret.command("rm").description("Remove a secret").argument("<name>").action(async (name) => (await runtime()).removeSecret(name));
  secret.command("allow").description("Allow NAME to be released to these origins").argument("<name>").argument("<origins...>")
    .action(async (name, origins) => {
      await home();
      print((await runtime()).allowOrigins(name, origins));
    });
  secret.command("deny").description("Stop releasing NAME to these origins").argument("<name>").argument("<origins...>")
    .action(async (name, origins) => print((await runtime()).denyOrigins(name, origins)));
}
