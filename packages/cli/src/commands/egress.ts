import type { Command } from "@commander-js/extra-typings";

function print(origins: string[]): void {
  process.stdout.write(origins.length ? `${origins.join("\n")}\n` : "(no origin allowed: host-mediated egress without a secret is off)\n");
}

const runtime = () => import("@mvm/runtime");

/** `mvmctl egress allow|deny|ls`: where web_fetch may go when it carries no secret (nowhere by default). */
export function defineEgress(program: Command): void {
  const egress = program.command("egress").description("Origins guests may reach through the host (web_fetch without a secret); none by default");
  egress.command("allow").argument("<origins...>").action(async (origins) => {
    (await import("@mvm/builder")).ensureMvmHome();
    print((await runtime()).allowEgress(origins));
  });
  egress.command("deny").argument("<origins...>").action(async (origins) => print((await runtime()).denyEgress(origins)));
  egress.command("ls").alias("list").action(async () => {
    const r = await runtime();
    print(r.egressAllowlist().map(r.displayOrigin));
  });
}
