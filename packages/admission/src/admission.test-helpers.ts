// Real compile outputs and MVM_HOMEs for admission's tests: an app compiled by the real compiler into a
// temp directory, and a fresh home per test.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compileFile, writeArtifacts } from "@mvm/compiler";

export const work = mkdtempSync(join(tmpdir(), "mvm-admission-"));
let count = 0;

export const pyApp = (name: string, extra = "") => `import mvm

@mvm.app(name="${name}", image=mvm.python_image(python="3.13")${extra})
def greet(name: str) -> str:
    return f"hello {name}"
`;

/** Writes `files` (path → text) as a fresh app directory; returns it. */
export function writeAppDir(files: Record<string, string>): string {
  const app = join(work, `app-${++count}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  return app;
}

/** `mvmctl compile APP/app.py --out OUT` through the real compiler; returns OUT. */
export async function compileInto(app: string, out: string): Promise<string> {
  writeArtifacts(await compileFile(join(app, "app.py")), out);
  return out;
}

/** A fresh compile output of `files`; returns its dir. */
export async function compiled(files: Record<string, string>): Promise<string> {
  return compileInto(writeAppDir(files), join(work, `out-${++count}`));
}

/** A fresh, empty MVM_HOME. */
export function freshHome(): string {
  const home = join(work, `home-${++count}`);
  mkdirSync(home, { mode: 0o700 });
  return home;
}

/** The code of what `fn` throws (or rejects with), and its message. */
export async function thrown(fn: () => unknown): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { code?: string; message: string; hint?: string };
    return { code: e.code ?? "(no code)", message: e.message, hint: e.hint };
  }
  throw new Error("expected an error, and none was thrown");
}
