/**
 * Signing keys, `MVM_HOME/keys/` (0700): `<name>.key`, the Ed25519 private key as PKCS#8 PEM (0600), and
 * `<name>.pub`, its public key as SPKI PEM (0644) — the file to hand to whoever trusts it (openssl reads it
 * too). A private key readable by anyone else is refused, as ssh refuses one.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, join } from "node:path";
import { MvmError } from "@mvm/ir";
import { keyIdOf, rawPublicKey } from "./ed25519.ts";

/** A key's name is its file name and the signer name its signatures carry. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface PublicKeyInfo {
  name: string;
  keyId: string;
  /** Raw public key, unpadded base64url. */
  publicKey: string;
  /** SPKI PEM, what `.pub` holds. */
  pem: string;
}

export interface SigningKey extends PublicKeyInfo {
  privateKey: KeyObject;
  path: string;
}

/** `MVM_HOME/keys`. */
export function keysDir(home: string): string {
  return join(home, "keys");
}

function checkName(name: string): string {
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new MvmError("ADMIT_KEY_INVALID", `${JSON.stringify(name)} is not a key name (expected ${KEY_NAME_PATTERN.source})`,
      "a key name is a word such as your user name: letters, digits, '.', '_', '@' and '-'");
  }
  return name;
}

/** The name `mvmctl keygen` uses when none is given: the user's login name, when it is a valid key name. */
export function defaultKeyName(): string {
  const user = (() => { try { return userInfo().username; } catch { return ""; } })();
  return KEY_NAME_PATTERN.test(user) ? user : "default";
}

function info(name: string, key: KeyObject): PublicKeyInfo {
  const publicKey = rawPublicKey(key);
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return { name, keyId: keyIdOf(publicKey), publicKey, pem: pub.export({ type: "spki", format: "pem" }).toString() };
}

/** Makes a new key pair; ADMIT_KEY_EXISTS when `name` exists, unless `force`. */
export function generateKey(home: string, name: string, opts: { force?: boolean } = {}): PublicKeyInfo & { privatePath: string; publicPath: string } {
  const dir = keysDir(home);
  const privatePath = join(dir, `${checkName(name)}.key`);
  const publicPath = join(dir, `${name}.pub`);
  if (!opts.force && (existsSync(privatePath) || existsSync(publicPath))) {
    throw new MvmError("ADMIT_KEY_EXISTS", `a key named "${name}" already exists in ${dir}`,
      `choose another name (mvmctl keygen OTHER_NAME), or replace it with --force (signatures made with the old key stay valid only where it is trusted)`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const { privateKey } = generateKeyPairSync("ed25519");
  const pub = info(name, privateKey);
  const tmp = `${privatePath}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    renameSync(tmp, privatePath);
  } finally {
    rmSync(tmp, { force: true });
  }
  writeFileSync(publicPath, pub.pem, { mode: 0o644 });
  return { ...pub, privatePath, publicPath };
}

/** The keys in MVM_HOME/keys, by name: each `.pub`, and whether its private half is here. */
export function listKeys(home: string): (PublicKeyInfo & { hasPrivate: boolean })[] {
  const dir = keysDir(home);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".pub")).map((f) => f.slice(0, -4)).filter((n) => KEY_NAME_PATTERN.test(n)).sort()
    .map((name) => ({ ...readPublicKey(home, name), hasPrivate: existsSync(join(dir, `${name}.key`)) }));
}

/** A path (it has a `/` or ends in the suffix) or a name in MVM_HOME/keys. */
function locate(home: string, nameOrPath: string, suffix: ".key" | ".pub"): { name: string; path: string } {
  if (nameOrPath.includes("/") || nameOrPath.endsWith(suffix)) return { name: basename(nameOrPath).replace(/\.(key|pub|pem)$/, ""), path: nameOrPath };
  return { name: nameOrPath, path: join(keysDir(home), `${checkName(nameOrPath)}${suffix}`) };
}

function readKeyFile(path: string, what: string, home: string): string {
  if (!existsSync(path)) {
    throw new MvmError("ADMIT_KEY_NOT_FOUND", `no ${what} at ${path}`, `mvmctl key ls lists the keys in ${keysDir(home)}; mvmctl keygen makes one`);
  }
  return readFileSync(path, "utf8");
}

/** A public key by name (MVM_HOME/keys/<name>.pub) or path (an SPKI PEM file, or a private key's file). */
export function readPublicKey(home: string, nameOrPath: string): PublicKeyInfo {
  const { name, path } = locate(home, nameOrPath, ".pub");
  const text = readKeyFile(path, "public key", home);
  try {
    return info(name, createPublicKey(text));
  } catch (err) {
    if (err instanceof MvmError) throw new MvmError(err.code, `${path}: ${err.message}`, err.hint, { cause: err });
    throw new MvmError("ADMIT_KEY_INVALID", `${path} is not a PEM public key: ${(err as Error).message}`,
      "pass the .pub file mvmctl keygen wrote (mvmctl key export NAME prints it)", { cause: err });
  }
}

/**
 * The key `mvmctl sign` signs with: `nameOrPath`, or the only private key in MVM_HOME/keys. Refused when
 * its file is readable by group or others.
 */
export function readSigningKey(home: string, nameOrPath?: string): SigningKey {
  const { name, path } = nameOrPath ? locate(home, nameOrPath, ".key") : onlyKey(home);
  const text = readKeyFile(path, "private key", home);
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new MvmError("ADMIT_KEY_INVALID", `${path} is readable by others (mode 0${mode.toString(8)}); a signing key must be private`, `chmod 600 ${path}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch (err) {
    throw new MvmError("ADMIT_KEY_INVALID", `${path} is not a PEM private key: ${(err as Error).message}`, "make one with mvmctl keygen", { cause: err });
  }
  try {
    return { ...info(checkName(name), privateKey), privateKey, path };
  } catch (err) {
    if (err instanceof MvmError) throw new MvmError(err.code, `${path}: ${err.message}`, err.hint, { cause: err });
    throw err;
  }
}

function onlyKey(home: string): { name: string; path: string } {
  const dir = keysDir(home);
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".key")).map((f) => f.slice(0, -4)).sort() : [];
  if (names.length === 1) return { name: names[0] as string, path: join(dir, `${names[0]}.key`) };
  if (names.length === 0) throw new MvmError("ADMIT_KEY_NOT_FOUND", `no signing key in ${dir}`, "make one: mvmctl keygen [NAME]");
  throw new MvmError("ADMIT_KEY_NOT_FOUND", `${dir} holds ${names.length} keys (${names.join(", ")}); which one signs is not obvious`, "pass --key NAME");
}
