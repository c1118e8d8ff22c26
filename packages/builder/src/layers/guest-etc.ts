/**
 * The few /etc files an extract-variant tree lacks or gets wrong: mmdebstrap copies the *host's*
 * resolv.conf and hostname in, and runs no maintainer script that would write passwd, group or hosts.
 * Without passwd, `whoami`, Python's getpass and Node's os.userInfo() fail in the guest.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** slirp's built-in DNS forwarder: the only resolver a guest with user networking can reach. */
const SLIRP_DNS = "10.0.2.3";

export const GUEST_ETC_FILES: Readonly<Record<string, string>> = {
  "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  "etc/group": "root:x:0:\nnogroup:x:65534:\n",
  "etc/hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  "etc/hostname": "mvm\n",
  "etc/resolv.conf": `nameserver ${SLIRP_DNS}\n`,
};

/** Writes GUEST_ETC_FILES into `root`, replacing (never writing through) whatever is there. */
export async function writeGuestEtc(root: string): Promise<void> {
  for (const [path, text] of Object.entries(GUEST_ETC_FILES)) {
    const file = join(root, path);
    await rm(file, { force: true });
    await writeFile(file, text, { mode: 0o644 });
  }
}
