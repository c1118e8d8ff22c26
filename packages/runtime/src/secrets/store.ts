/**
 * The host secret store, `MVM_HOME/secrets/` (0700), one 0600 file per secret written atomically: its value
 * (absent until set) and the origins the operator allows it to be released to. Values never leave this
 * module except through `secretValue`, which only the egress path calls.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mvmHome } from "@mvm/builder";
import { MvmError, SECRET_NAME_PATTERN } from "@mvm/ir";
import * as z from "zod";
import { displayOrigin, parseOrigin, type Origin } from "./origin.ts";

/** Largest secret value, in bytes of UTF-8. */
export const MAX_SECRET_BYTES = 16 * 1024;

const SecretFile = z.strictObject({
  name: z.string().regex(SECRET_NAME_PATTERN),
  value: z.string().nullable(),
  set_at: z.string().nullable(),
  allowed: z.array(z.string()),
});
type SecretFile = z.infer<typeof SecretFile>;

/** What `secret ls` shows: never the value. */
export interface SecretInfo {
  name: string;
  isSet: boolean;
  setAt: string | null;
  allowed: string[];
}

function secretsDir(): string {
  return join(mvmHome(), "secrets");
}

function checkName(name: string): string {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new MvmError("SECRET_INVALID_NAME", `${JSON.stringify(name)} is not a secret name (expected ${SECRET_NAME_PATTERN.source})`,
      "secret names are lowercase: letters, digits, '.', '_' and '-', as in mvm.secret(\"api-key\")");
  }
  return name;
}

function fileOf(name: string): string {
  return join(secretsDir(), `${checkName(name)}.json`);
}

function read(name: string): SecretFile | undefined {
  const path = fileOf(name);
  if (!existsSync(path)) return undefined;
  const parsed = SecretFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success || parsed.data.name !== name) {
    throw new MvmError("SECRET_STORE_CORRUPT", `${path} is not a valid secret file`, `remove it with mvmctl secret rm ${name} and set it again`);
  }
  return parsed.data;
}

function write(file: SecretFile): void {
  const dir = secretsDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = fileOf(file.name);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, `${JSON.stringify(file)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Checks a value: one line of UTF-8 text (it is substituted into HTTP headers), 1..MAX_SECRET_BYTES bytes. */
export function checkSecretValue(value: string): string {
  if (value.length === 0) throw new MvmError("SECRET_EMPTY_VALUE", "the secret value is empty", "pass the value on stdin, e.g. printf %s \"$TOKEN\" | mvmctl secret set NAME");
  if (Buffer.byteLength(value) > MAX_SECRET_BYTES) {
    throw new MvmError("SECRET_TOO_LARGE", `the secret value is ${Buffer.byteLength(value)} bytes; the limit is ${MAX_SECRET_BYTES}`, "secrets are credentials, not files");
  }
  // A CR or LF substituted into a header would let a value inject headers; no control characters at all.
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new MvmError("SECRET_BAD_VALUE", "the secret value holds a control character (newline, NUL, ...)", "a secret value is one line of text");
  }
  return value;
}

/** Sets (or replaces) a secret's value; `allow` adds origins to its allowlist. */
export function setSecret(name: string, value: string, allow: readonly string[] = []): SecretInfo {
  const origins = allow.map((o) => parseOrigin(o));
  const old = read(checkName(name));
  const file: SecretFile = {
    name, value: checkSecretValue(value), set_at: new Date().toISOString(),
    allowed: [...new Set([...(old?.allowed ?? []), ...origins])].sort(),
  };
  write(file);
  return info(file);
}

export function allowOrigins(name: string, origins: readonly string[]): SecretInfo {
  const parsed = origins.map((o) => parseOrigin(o));
  const old = read(name) ?? { name, value: null, set_at: null, allowed: [] };
  const file = { ...old, allowed: [...new Set([...old.allowed, ...parsed])].sort() };
  write(file);
  return info(file);
}

export function denyOrigins(name: string, origins: readonly string[]): SecretInfo {
  const parsed = new Set(origins.map((o) => parseOrigin(o)));
  const old = read(name);
  if (!old) throw notFound(name);
  const file = { ...old, allowed: old.allowed.filter((o) => !parsed.has(o)) };
  write(file);
  return info(file);
}

export function removeSecret(name: string): void {
  if (!read(name)) throw notFound(name);
  rmSync(fileOf(name));
}

export function listSecrets(): SecretInfo[] {
  const dir = secretsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5)).filter((n) => SECRET_NAME_PATTERN.test(n)).sort()
    .flatMap((name) => { const f = read(name); return f ? [info(f)] : []; });
}

/** The secret's record for a release decision; undefined when nothing is known about it. */
export function secretInfo(name: string): SecretInfo | undefined {
  const f = read(name);
  return f ? info(f) : undefined;
}

/** The raw value, for the egress path only. SECRET_NOT_SET when the secret has no value yet. */
export function secretValue(name: string): string {
  const f = read(name);
  if (!f?.value) throw notSet(name);
  return f.value;
}

/** Whether the operator allows releasing `name` to `origin`. */
export function isAllowed(name: string, origin: Origin): boolean {
  return read(name)?.allowed.includes(origin) ?? false;
}

export function notSet(name: string): MvmError {
  return new MvmError("SECRET_NOT_SET", `the secret "${name}" has no value on this host`, `set it: mvmctl secret set ${name} (the value is read from stdin)`);
}

function notFound(name: string): MvmError {
  return new MvmError("SECRET_NOT_FOUND", `no secret named "${name}"`, "mvmctl secret ls lists them");
}

function info(f: SecretFile): SecretInfo {
  return { name: f.name, isSet: f.value !== null, setAt: f.set_at, allowed: f.allowed.map(displayOrigin) };
}
