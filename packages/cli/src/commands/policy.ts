import { Argument, type Command } from "@commander-js/extra-typings";
import type { Policy } from "@mvm/admission";
import { notice } from "../report.ts";

const stages = async () => ({ a: await import("@mvm/admission"), home: (await import("@mvm/builder")).ensureMvmHome() });

function print(policy: Policy | undefined, path: string): void {
  if (!policy) {
    process.stdout.write(`no policy (${path} does not exist): build and up admit signed and unsigned artifacts alike\n`);
    return;
  }
  const keys = policy.trusted_keys.map((k) => `  ${k.name}\t${k.key_id}\tadded ${k.added_at}`);
  process.stdout.write([
    `${path}: ${policy.require_signed ? "build and up require artifacts signed by a trusted key" : "signatures are recorded but not required"}`,
    `trusted keys:${keys.length ? "" : " none"}`, ...keys, "",
  ].join("\n"));
}

/** `mvmctl policy show|trust|untrust|require-signed`: MVM_HOME/policy.json, what build and up admit. */
export function define(program: Command): void {
  const policy = program.command("policy").description("The admission policy (MVM_HOME/policy.json): whether build and up require signed artifacts, and the trusted keys");
  policy.command("show").description("Print the policy").option("--json", "print policy.json as it is (null when there is none)")
    .action(async (flags) => {
      const { a } = await stages();
      const { mvmHome } = await import("@mvm/builder");
      const current = a.readPolicy(mvmHome());
      if (flags.json) process.stdout.write(`${JSON.stringify(current ?? null, null, 2)}\n`);
      else print(current, a.policyPath(mvmHome()));
    });
  policy.command("trust").description("Trust a signer's public key: a .pub file (or a key name in MVM_HOME/keys)")
    .argument("<key>", "the .pub file, or a key name in MVM_HOME/keys")
    .option("--name <name>", "the name to know the key by (default: its file or key name)")
    .action(async (keyArg, flags) => {
      const { a, home } = await stages();
      const key = a.readPublicKey(home, keyArg);
      const updated = a.trustKey(home, key, flags.name);
      notice(`trusting ${flags.name ?? key.name} (key ${key.keyId})`);
      print(updated, a.policyPath(home));
    });
  policy.command("untrust").description("Stop trusting a key: images it signed no longer pass up under require-signed")
    .argument("<key>", "the key id or the name the policy knows it by")
    .action(async (keyArg) => {
      const { a, home } = await stages();
      print(a.untrustKey(home, keyArg), a.policyPath(home));
    });
  policy.command("require-signed").description("on: build refuses artifacts not signed by a trusted key, and up images not built from them; off: neither does")
    .addArgument(new Argument("<on-or-off>").choices(["on", "off"] as const))
    .action(async (value) => {
      const { a, home } = await stages();
      const updated = a.setRequireSigned(home, value === "on");
      if (updated.require_signed && updated.trusted_keys.length === 0) {
        notice("warning: no key is trusted yet, so nothing can be built or started until one is: mvmctl policy trust FILE.pub");
      }
      print(updated, a.policyPath(home));
    });
}
