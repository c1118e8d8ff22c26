/**
 * The static route never runs the user's code: an app file whose top level writes a marker file and opens
 * a socket compiles, and neither happens. A control run of the same file under tsx shows that both would.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileFile } from "../index.ts";
import { compileTypeScript } from "./index.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mvm-no-user-code-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let connections = 0;
const server = createServer((socket) => {
  connections++;
  socket.destroy();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
after(() => server.close());
const { port } = server.address() as AddressInfo;

function appWithSideEffects(marker: string): string {
  return `import * as mvm from "mvm-sdk";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";

writeFileSync(${JSON.stringify(marker)}, "ran");
const socket = connect(${port}, "127.0.0.1");
socket.on("connect", () => socket.end()).on("error", () => {});

export const greet = mvm.app({
  name: "side-effects",
  image: mvm.node_image({ node: "22" }),
  entrypoint: mvm.entrypoint_function({ module: "app", function: "greet" }),
})((name: string) => \`hello \${name}\`);
`;
}

mkdirSync(join(dir, "node_modules"));
symlinkSync(join(REPO, "packages/sdk"), join(dir, "node_modules/mvm-sdk"));

test("compiling an app whose top level has side effects runs none of them", async () => {
  const marker = join(dir, "static.marker");
  const file = join(dir, "app.ts");
  writeFileSync(file, appWithSideEffects(marker));
  const viaFrontEnd = await compileTypeScript(file, appWithSideEffects(marker));
  assert.equal(viaFrontEnd.kind, "app");
  const viaCompile = await compileFile(file);
  assert.equal(viaCompile.workload.id, "side-effects");
  await new Promise((resolve) => setTimeout(resolve, 200)); // let any stray connection land before counting
  assert.equal(existsSync(marker), false, "the marker file appeared: user code ran");
  assert.equal(connections, 0, "the socket was opened: user code ran");
});

test("control: running the same file under tsx does both", async () => {
  const marker = join(dir, "control.marker");
  const file = join(dir, "control.ts");
  writeFileSync(file, appWithSideEffects(marker));
  // Asynchronously, so this process keeps accepting on the server while the control run connects.
  const child = spawn(join(REPO, "node_modules/.bin/tsx"), [file], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MVM_SDK_MODE: "" } });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(status, 0, stderr);
  assert.equal(existsSync(marker), true);
  const deadline = Date.now() + 5000;
  while (connections === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(connections > 0, "the control run never connected");
});
