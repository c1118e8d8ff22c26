/**
 * Issue 3 proof: the static route never runs the user's code. The app file below writes a marker file
 * and connects to a TCP server at its top level (and in its decorator's neighbourhood); compiling it
 * must leave no marker and no connection. Running the same file with python3 does both, which shows
 * the file would have been caught.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { compilePython } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "mvm-no-user-code-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function appSource(marker: string, port: number): string {
  return `import socket
import mvm

open(${JSON.stringify(marker)}, "w").write("top level ran")
socket.create_connection(("127.0.0.1", ${port}), timeout=5).close()


def side_effect():
    open(${JSON.stringify(marker)}, "a").write(" and a helper ran")
    return "x"


DEFAULT = side_effect()


@mvm.app(name="no-user-code", image=mvm.python_image(python="3.12"))
def handler(x: int = side_effect()) -> int:
    return x
`;
}

async function withServer<T>(run: (port: number, connections: () => number) => Promise<T>): Promise<T> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the test server has no TCP port");
  try {
    return await run(address.port, () => count);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

test("compiling an app whose top level writes a file and opens a socket does neither", async () => {
  await withServer(async (port, connections) => {
    const marker = join(dir, "static-marker");
    const file = join(dir, "app.py");
    writeFileSync(file, appSource(marker, port));
    const result = await compilePython(file, appSource(marker, port));
    assert.equal(result.kind, "app");
    assert.equal(existsSync(marker), false, "the marker file appeared");
    assert.equal(connections(), 0, "the script connected to the server");
  });
});

test("control: running the same file with the SDK does both", async () => {
  await withServer(async (port, connections) => {
    const marker = join(dir, "sdk-marker");
    const file = join(dir, "control_app.py");
    writeFileSync(file, appSource(marker, port));
    const sdk = fileURLToPath(new URL("../../../../sdk/python", import.meta.url));
    // Asynchronously, so the server can accept the connection while the script runs.
    await promisify(execFile)("python3", [file], { env: { ...process.env, PYTHONPATH: sdk, PYTHONDONTWRITEBYTECODE: "1", MVM_SDK_MODE: "emit" } });
    assert.equal(existsSync(marker), true);
    assert.equal(connections(), 1);
  });
});
