import type { Command } from "@commander-js/extra-typings";
import { notice } from "../report.ts";

// The stages load on use, so defining these verbs costs every other command nothing.
const admission = () => import("@mvm/admission");
const home = async () => (await import("@mvm/builder")).ensureMvmHome();

/** `mvmctl keygen [NAME]` and `mvmctl key ls|export`: Ed25519 signing keys in MVM_HOME/keys. */
export function define(program: Command): void {
  program.command("keygen")
    .description("Make an Ed25519 signing key in MVM_HOME/keys (the private key 0600) and print its public key")
    .argument("[name]", "the key's name, which its signatures carry as the signer (default: your user name)")
    .option("--force", "replace the key of that name (its old signatures stay valid only where its old public key is trusted)")
    .action(async (name, flags) => {
      const a = await admission();
      const key = a.generateKey(await home(), name ?? a.defaultKeyName(), { force: flags.force === true });
      notice(`key ${key.name} (id ${key.keyId}): private ${key.privatePath} (0600, never share it), public ${key.publicPath}`);
      notice(`trust it on this host: mvmctl policy trust ${key.name}; elsewhere: copy ${key.publicPath} there and run mvmctl policy trust FILE`);
      process.stdout.write(key.pem);
    });

  const key = program.command("key").description("List and export signing keys (mvmctl keygen makes them)");
  key.command("ls").alias("list").description("The keys in MVM_HOME/keys: name, key id, whether the private key is here").option("--json", "as JSON")
    .action(async (flags) => {
      const a = await admission();
      const keys = a.listKeys(await home());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(keys.map((k) => ({ name: k.name, key_id: k.keyId, public_key: k.publicKey, private: k.hasPrivate })), null, 2)}\n`);
        return;
      }
      if (keys.length === 0) notice("no keys yet: mvmctl keygen [NAME]");
      for (const k of keys) process.stdout.write(`${k.name}\t${k.keyId}\t${k.hasPrivate ? "private key here" : "public key only"}\n`);
    });
  key.command("export").description("Print a key's public key (SPKI PEM): what another host trusts with mvmctl policy trust FILE")
    .argument("[name]", "the key (default: the only one)")
    .action(async (name) => {
      const a = await admission();
      const h = await home();
      process.stdout.write(a.readPublicKey(h, name ?? a.readSigningKey(h).name).pem);
    });
}
