// Template files are untrusted input: every kind of damage is refused with SNAPSHOT_TEMPLATE_INVALID, by the
// full check (sizes, sha256) or by the per-clone identity check. Real files in a temp MVM_CACHE_DIR.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, open, readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvmError, type ErrorCode } from "@mvm/ir";
import { listTemplateKeys, readTemplateManifest, removeTemplate, sweepAbandoned, templatesDir } from "./store.ts";
import { keyParts, writeTemplate } from "./template-files.test-helpers.ts";
import { verifyFully, verifyIdentity } from "./verify.ts";

let cache: string;
before(async () => {
  cache = await mkdtemp(join(tmpdir(), "mvm-tpl-"));
  process.env.MVM_CACHE_DIR = cache;
});
after(async () => {
  await rm(cache, { recursive: true, force: true });
});

const refused = (code: ErrorCode, pattern: RegExp) => (e: unknown) => e instanceof MvmError && e.code === code && pattern.test(e.message);

test("a whole template verifies fully; then its identity holds until a file is touched", async () => {
  const t = await writeTemplate(templatesDir(), keyParts("1".repeat(64)));
  const manifest = await readTemplateManifest(t.key);
  assert.ok(manifest);
  const verified = await verifyFully(t.dir, manifest);
  await verifyIdentity(verified);
  // Same bytes, another inode: not the file that was hashed.
  await copyFile(join(t.dir, "state"), join(t.dir, "state.new"));
  await rename(join(t.dir, "state.new"), join(t.dir, "state"));
  await assert.rejects(verifyIdentity(verified), refused("SNAPSHOT_TEMPLATE_INVALID", /state file was replaced or modified/));
});

test("a truncated RAM file is refused by its size, by both checks", async () => {
  const t = await writeTemplate(templatesDir(), keyParts("2".repeat(64)));
  const verified = await verifyFully(t.dir, t.manifest);
  await truncate(join(t.dir, "ram"), 4096);
  await assert.rejects(verifyIdentity(verified), refused("SNAPSHOT_TEMPLATE_INVALID", /RAM file is 4096 bytes; template\.json says 65536/));
  await assert.rejects(verifyFully(t.dir, t.manifest), refused("SNAPSHOT_TEMPLATE_INVALID", /RAM file is 4096 bytes/));
});

test("a corrupted byte of the same size is refused by the full check's sha256", async () => {
  const t = await writeTemplate(templatesDir(), keyParts("3".repeat(64)));
  const fh = await open(join(t.dir, "ram"), "r+");
  await fh.write(Buffer.from([0xff]), 0, 1, 1234);
  await fh.close();
  await assert.rejects(verifyFully(t.dir, t.manifest), refused("SNAPSHOT_TEMPLATE_INVALID", /RAM file has sha256 [0-9a-f]{12}…; template\.json says/));
});

test("a template.json that is not JSON, breaks the schema, or describes another key is refused; a missing one too", async () => {
  const t = await writeTemplate(templatesDir(), keyParts("4".repeat(64)));
  const file = join(t.dir, "template.json");
  const good = await readFile(file, "utf8");
  await writeFile(file, "{not json");
  await assert.rejects(readTemplateManifest(t.key), refused("SNAPSHOT_TEMPLATE_INVALID", /is not JSON/));
  await writeFile(file, JSON.stringify({ ...JSON.parse(good), extra: 1 }));
  await assert.rejects(readTemplateManifest(t.key), refused("SNAPSHOT_TEMPLATE_INVALID", /does not match the template format/));
  // Parts edited to claim another image: the key no longer is their hash.
  const edited = JSON.parse(good) as { parts: { image_sha256: string } };
  edited.parts.image_sha256 = "9".repeat(64);
  await writeFile(file, JSON.stringify(edited));
  await assert.rejects(readTemplateManifest(t.key), refused("SNAPSHOT_TEMPLATE_INVALID", /describes another template/));
  await rm(file);
  await assert.rejects(readTemplateManifest(t.key), refused("SNAPSHOT_TEMPLATE_INVALID", /has no template\.json/));
  assert.equal(await readTemplateManifest("0".repeat(64)), undefined, "no directory: no template, not an error");
});

test("keys are listed without staging or aside directories; remove takes a template away whole; sweep removes what dead makers left", async () => {
  const t = await writeTemplate(templatesDir(), keyParts("5".repeat(64)));
  const deadPid = 2 ** 22 + 12345; // above pid_max's default: never a live process
  await mkdir(join(templatesDir(), `${t.key}.tmp-${deadPid}`));
  await mkdir(join(templatesDir(), `${t.key}.tmp-${process.pid}`));
  assert.ok((await listTemplateKeys()).includes(t.key));
  assert.ok((await listTemplateKeys()).every((k) => /^[0-9a-f]{64}$/.test(k)));
  await sweepAbandoned(() => undefined);
  const left = await import("node:fs/promises").then((fs) => fs.readdir(templatesDir()));
  assert.ok(!left.includes(`${t.key}.tmp-${deadPid}`), "a dead maker's staging directory is removed");
  assert.ok(left.includes(`${t.key}.tmp-${process.pid}`), "a live maker's is left alone");
  await removeTemplate(t.key);
  assert.equal((await listTemplateKeys()).includes(t.key), false);
  assert.equal(await readTemplateManifest(t.key), undefined);
});
