/**
 * The instance store: `MVM_HOME/instances/<name>/state.json`, each written atomically (a temp file,
 * fsync, rename), so a crash or a full disk leaves the previous record whole, never half of a new one.
 */
import { open, readdir, readFile, rename, rm, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { APP_NAME_PATTERN, MvmError, parseWith } from "@mvm/ir";
import { daemonPaths, instancePaths } from "./home.ts";
import { InstanceRecord } from "./state.ts";

/** Writes `record` as its instance's state.json; RUN_STATE_WRITE_FAILED (with the errno) when it cannot. */
export async function writeInstanceRecord(home: string, record: InstanceRecord): Promise<void> {
  const parsed = parseWith(InstanceRecord, record, "the instance record");
  const paths = instancePaths(home, parsed.name, parsed.id);
  const tmp = `${paths.state}.tmp`;
  try {
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    const fh = await open(tmp, "w", 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(parsed, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, paths.state);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new MvmError("RUN_STATE_WRITE_FAILED", `cannot write ${paths.state}: ${e.code ?? e.message}`,
      e.code === "ENOSPC" ? `free space on the filesystem holding MVM_HOME (${home})` : `check that ${paths.dir} is writable`, { cause: err });
  }
}

/** The record of instance `name`, or undefined when there is none; RUN_STATE_CORRUPT when it is unreadable. */
export async function readInstanceRecord(home: string, name: string): Promise<InstanceRecord | undefined> {
  const file = join(daemonPaths(home).instancesDir, name, "state.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new MvmError("RUN_STATE_CORRUPT", `cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MvmError("RUN_STATE_CORRUPT", `${file} is not JSON`, `remove ${join(daemonPaths(home).instancesDir, name)} if no VM runs for it`, { cause: err });
  }
  try {
    return parseWith(InstanceRecord, json, file);
  } catch (err) {
    throw new MvmError("RUN_STATE_CORRUPT", `${file} does not match the instance record schema: ${(err as Error).message}`,
      `remove ${join(daemonPaths(home).instancesDir, name)} if no VM runs for it`, { cause: err });
  }
}

/** Every instance name with a directory under instances/. */
export async function listInstanceNames(home: string): Promise<string[]> {
  const names = await readdir(daemonPaths(home).instancesDir).catch(() => [] as string[]);
  return names.filter((n) => APP_NAME_PATTERN.test(n)).sort();
}

/** Removes an instance's directory and its sockets. */
export async function removeInstanceFiles(home: string, record: Pick<InstanceRecord, "name" | "id">): Promise<void> {
  const paths = instancePaths(home, record.name, record.id);
  await Promise.all([
    rm(paths.dir, { recursive: true, force: true }),
    rm(paths.qmpSocket, { force: true }),
    rm(paths.agentSocket, { force: true }),
  ]);
}
