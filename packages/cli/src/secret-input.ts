import { MAX_SECRET_BYTES } from "@mvm/runtime";
import { MvmError } from "@mvm/ir";

/**
 * A secret value, from stdin when it is piped (one trailing newline dropped, as `echo` adds one) or from a
 * prompt that does not echo on a terminal. Never from argv or the environment: both are visible to other
 * processes and end up in shell history.
 */
export async function readSecretValue(name: string): Promise<string> {
  return process.stdin.isTTY ? promptHidden(`value for ${name} (not echoed): `) : readPiped();
}

async function readPiped(): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_SECRET_BYTES + 2) {
      throw new MvmError("SECRET_TOO_LARGE", `the value on stdin is larger than ${MAX_SECRET_BYTES} bytes`, "secrets are credentials, not files");
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString("utf8").replace(/\r?\n$/, "");
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new MvmError("SECRET_EMPTY_VALUE", "interrupted; nothing was stored"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
