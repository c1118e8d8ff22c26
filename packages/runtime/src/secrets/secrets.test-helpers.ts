// Real HTTP servers on 127.0.0.1 that record what reached them, and a temp MVM_HOME, for the secrets tests.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface RecordingServer {
  origin: string;
  received: Received[];
  close(): Promise<void>;
}

/** A server that records every request and answers with `answer` (default: echo the request as JSON). */
export async function recordingServer(answer?: (req: Received, res: ServerResponse) => void): Promise<RecordingServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const r = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(parts) };
      received.push(r);
      if (answer) return answer(r, res);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: r.method, url: r.url, headers: r.headers, body: r.body.toString("utf8") }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/** Points MVM_HOME at a fresh temp dir for the rest of the test file; returns it and a cleanup. */
export function tempMvmHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), "mvm-secrets-"));
  process.env.MVM_HOME = home;
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
