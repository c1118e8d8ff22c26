import type { Command } from "@commander-js/extra-typings";
import { notice } from "../report.ts";

/** `mvmctl sign DIR` and `mvmctl verify DIR`: the detached signature beside a compile output. */
export function define(program: Command): void {
  program.command("sign")
    .description("Sign a compile output (mvmctl compile --out DIR): writes DIR/signature.json over workload.json, launch.json and source/")
    .argument("<dir>", "the compile output")
    .option("--key <name-or-path>", "the signing key: a name in MVM_HOME/keys or a .key file (default: the only key)")
    .action(async (dir, flags) => {
      const a = await import("@mvm/admission");
      const home = (await import("@mvm/builder")).ensureMvmHome();
      const key = a.readSigningKey(home, flags.key);
      const output = await a.readCompileOutput(dir);
      const doc = a.signCompileOutput(output, key);
      const d = doc.payload.digests;
      process.stdout.write([
        `signed ${output.dir} (app ${doc.payload.workload_id}, ir_hash ${output.irHash.slice(0, 12)}) as ${key.name} (key ${key.keyId}) at ${doc.payload.signed_at}`,
        `  workload.json  ${d["workload.json"]}`,
        `  launch.json    ${d["launch.json"]}`,
        `  source/        ${d["source/"]} (${doc.payload.file_count} files)`,
        `wrote ${output.dir}/${a.SIGNATURE_FILE}`,
        "",
      ].join("\n"));
    });

  program.command("verify")
    .description("Check DIR/signature.json: authentic, over exactly these artifacts, and by a trusted key (the policy's, or --key)")
    .argument("<dir>", "the compile output")
    .option("--key <pub>", "the signer's public key: a .pub file or a name in MVM_HOME/keys (default: the keys policy.json trusts)")
    .option("--json", "print the verdict as JSON")
    .action(async (dir, flags) => {
      const a = await import("@mvm/admission");
      const { mvmHome } = await import("@mvm/builder");
      const home = mvmHome();
      const key = flags.key ? a.readPublicKey(home, flags.key) : undefined;
      const v = await a.verifyArtifact(dir, home, { key });
      const p = v.signature.payload;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({
          ok: true, dir: v.output.dir, app: p.workload_id, ir_hash: v.output.irHash, signer: p.signer, signed_at: p.signed_at,
          trusted_by: v.trustedBy, trusted_as: v.trustedAs, digests: p.digests, file_count: p.file_count,
        })}\n`);
        return;
      }
      notice(`${v.trustedBy === "policy" ? "the policy trusts" : "--key is"} that key as ${v.trustedAs}`);
      process.stdout.write(`OK: ${v.output.dir} (app ${p.workload_id}) is exactly what ${p.signer.name} (key ${p.signer.key_id}) signed at ${p.signed_at}\n`);
    });
}
