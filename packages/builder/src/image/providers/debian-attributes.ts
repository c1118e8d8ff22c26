/**
 * The curated table from nix attribute names (what the IR's image lists) to Debian packages: data, one row
 * per attribute, each row naming the suites it was checked in. debian-attributes.test.ts checks every row
 * against the real suites (through the host's mirror), so a renamed or dropped package fails a test, not a
 * user's build. Python runtimes (`python3NN`), `pythonNNNPackages.<x>` and `nodejs_NN` are patterns in
 * debian.ts, not rows. To add an attribute, add a row here and run that test.
 */

export type SuiteName = "bookworm" | "trixie" | "sid";

export interface AttributeRow {
  /** The nix attribute, as `nix_packages([...])` or `python_image(packages=[...])` spells it. */
  attribute: string;
  /** The Debian packages it installs. */
  packages: readonly string[];
  /** The suites this row is known (and tested) to work in. */
  suites: readonly SuiteName[];
}

const ALL: readonly SuiteName[] = ["bookworm", "trixie", "sid"];
const row = (attribute: string, packages: string | readonly string[] = attribute, suites = ALL): AttributeRow =>
  ({ attribute, packages: typeof packages === "string" ? [packages] : packages, suites });

export const DEBIAN_ATTRIBUTE_TABLE: readonly AttributeRow[] = [
  row("bash"),
  row("busybox", "busybox-static"),
  row("bzip2"),
  row("cacert", "ca-certificates"),
  row("cmake"),
  row("coreutils"),
  row("curl"),
  row("diffutils"),
  row("dnsutils", "bind9-dnsutils"),
  row("exiftool", "libimage-exiftool-perl"),
  row("fd", "fd-find"),
  row("ffmpeg"),
  row("file"),
  row("findutils"),
  row("gawk"),
  row("gcc"),
  row("ghostscript"),
  row("git"),
  row("gnugrep", "grep"),
  row("gnumake", "make"),
  row("gnused", "sed"),
  row("gnutar", "tar"),
  row("graphviz"),
  row("gzip"),
  row("htop"),
  row("imagemagick"),
  row("iproute2"),
  row("iputils", "iputils-ping"),
  row("jq"),
  row("less"),
  row("lua5_4", "lua5.4"),
  row("nano"),
  row("netcat", "netcat-openbsd"),
  row("openssh", "openssh-client"),
  row("openssl"),
  row("pandoc"),
  row("perl"),
  row("pkg-config"),
  row("poppler_utils", "poppler-utils"),
  row("procps"),
  row("ripgrep"),
  row("rsync"),
  row("ruby"),
  row("socat"),
  row("sqlite", "sqlite3"),
  row("strace"),
  row("tesseract", "tesseract-ocr"),
  row("tree"),
  row("tzdata"),
  row("unzip"),
  row("util-linux"),
  row("wget"),
  row("xz", "xz-utils"),
  row("zip"),
  row("zstd"),
];

/** Where this table lives, for error messages that tell a user how to add an attribute. */
export const ATTRIBUTE_TABLE_FILE = "packages/builder/src/image/providers/debian-attributes.ts";
