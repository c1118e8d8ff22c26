/**
 * The closed helper allowlist (SEED.md "Helper allowlist", DESIGN.md §2) as one table. Each entry names
 * the one parameter that may be given positionally (if any), the keywords it takes, and how its
 * arguments lower to an IR fragment. Both SDKs and the static compiler call helpers through here.
 */
import { APP_NAME_PATTERN, ORIGIN_PATTERN, SECRET_NAME_PATTERN } from "../schema.ts";
import {
  expectBoolean, expectInteger, expectKnownKeys, expectObject, expectPattern, expectString, expectStringList, given,
} from "./checks.ts";
import { lowerHookCommand, lowerHooks } from "./hooks.ts";
import { declError, HelperValue, type DeclPath, type DeclValue, type HelperResult } from "./values.ts";

type Kwargs = { [key: string]: DeclValue };

interface HelperSpec {
  /** The Python (and TypeScript) name. */
  name: string;
  /** TypeScript's camelCase spelling, when it differs. */
  camel?: string;
  /** The parameter that may be passed positionally (first position only); none → keywords only. */
  positional?: string;
  params: readonly string[];
  required?: readonly string[];
  lower(kw: Kwargs): HelperResult;
}

const PHASES = ["before_build", "before_start", "after_start", "before_stop"] as const;

const SPECS: readonly HelperSpec[] = [
  {
    name: "local_path", camel: "localPath", positional: "path", params: ["path", "include", "exclude"], required: ["path"],
    lower: (kw) => ({
      kind: "source",
      value: {
        kind: "local_path",
        path: expectString(kw.path, ["path"]),
        include: given(kw.include) ? expectStringList(kw.include, ["include"]) : ["**"],
        exclude: given(kw.exclude) ? expectStringList(kw.exclude, ["exclude"]) : [],
      },
    }),
  },
  {
    name: "python_image", camel: "pythonImage", params: ["python", "packages"],
    lower: (kw) => {
      const version = given(kw.python) ? expectString(kw.python, ["python"]) : "3.12";
      const match = /^(\d+)\.(\d+)$/.exec(version);
      if (!match) throw declError("DECL_BAD_ARGUMENT", `python must be a version like "3.12", got ${JSON.stringify(version)}`, ["python"]);
      return image([`python${match[1]}${match[2]}`, ...extraPackages(kw)]);
    },
  },
  {
    name: "node_image", camel: "nodeImage", params: ["node", "packages"],
    lower: (kw) => {
      const version = given(kw.node) ? expectString(kw.node, ["node"]) : "22";
      if (!/^\d+$/.test(version)) throw declError("DECL_BAD_ARGUMENT", `node must be a major version like "22", got ${JSON.stringify(version)}`, ["node"]);
      return image([`nodejs_${version}`, ...extraPackages(kw)]);
    },
  },
  {
    name: "nix_packages", camel: "nixPackages", positional: "packages", params: ["packages"], required: ["packages"],
    lower: (kw) => image(expectStringList(kw.packages, ["packages"], { nonEmpty: true })),
  },
  {
    name: "resources", params: ["cpu_cores", "cpu", "memory_mb", "rootfs_size_mb"],
    lower: (kw) => {
      if (given(kw.cpu) && given(kw.cpu_cores)) {
        throw declError("DECL_DUPLICATE_KWARG", "resources got both cpu and cpu_cores", ["cpu"], "give one of them; cpu is an alias of cpu_cores");
      }
      const cpu = given(kw.cpu) ? kw.cpu : kw.cpu_cores;
      return {
        kind: "resources",
        value: {
          cpu_cores: given(cpu) ? expectInteger(cpu, [given(kw.cpu) ? "cpu" : "cpu_cores"], 1, 64) : 1,
          memory_mb: given(kw.memory_mb) ? expectInteger(kw.memory_mb, ["memory_mb"], 16, 1 << 20) : 256,
          rootfs_size_mb: given(kw.rootfs_size_mb) ? expectInteger(kw.rootfs_size_mb, ["rootfs_size_mb"], 1, 1 << 22) : 512,
        },
      };
    },
  },
  {
    name: "network", params: ["mode", "ports"],
    lower: (kw) => {
      const mode = given(kw.mode) ? expectString(kw.mode, ["mode"]) : "none";
      if (mode !== "none" && mode !== "bridge" && mode !== "host") {
        throw declError("DECL_BAD_ARGUMENT", `network mode must be "none", "bridge" or "host", got ${JSON.stringify(mode)}`, ["mode"]);
      }
      const ports = given(kw.ports) ? lowerPorts(kw.ports) : [];
      if (mode === "none" && ports.length > 0) {
        throw declError("DECL_BAD_ARGUMENT", `network mode "none" cannot forward ports`, ["ports"], `use mode="bridge" to publish ports`);
      }
      return { kind: "network", value: { mode, ports } };
    },
  },
  {
    name: "secret", positional: "name", params: ["name", "var", "hosts"], required: ["name"],
    lower: (kw) => {
      const name = expectPattern(expectString(kw.name, ["name"]), SECRET_NAME_PATTERN, ["name"], "secret name");
      // `var ?? name`, exactly as the original mvm records it; not validated as a variable name.
      const envVar = given(kw.var) ? expectString(kw.var, ["var"]) : name;
      const hosts = given(kw.hosts) ? lowerOrigins(kw.hosts) : [];
      const ref = { name, mount: { kind: "env" as const, var: envVar }, ...(hosts.length ? { hosts } : {}) };
      return { kind: "env", value: { kind: "secret_ref", ref } };
    },
  },
  {
    name: "literal", positional: "value", params: ["value"], required: ["value"],
    lower: (kw) => ({ kind: "env", value: { kind: "literal", value: expectString(kw.value, ["value"], { nonEmpty: false }) } }),
  },
  {
    name: "hook", positional: "cmd", params: ["cmd"], required: ["cmd"],
    lower: (kw) => ({ kind: "hook", value: lowerHookCommand(kw.cmd ?? null, ["cmd"]) }),
  },
  {
    name: "entrypoint_function", camel: "entrypointFunction", params: ["module", "function", "primary"], required: ["module", "function"],
    lower: (kw) => ({
      kind: "entrypoint",
      value: {
        module: expectString(kw.module, ["module"]),
        function: expectString(kw.function, ["function"]),
        primary: given(kw.primary) ? expectBoolean(kw.primary, ["primary"]) : true,
      },
    }),
  },
  {
    name: "addon", params: ["name", ...PHASES], required: ["name"],
    lower: (kw) => {
      const name = expectPattern(expectString(kw.name, ["name"]), APP_NAME_PATTERN, ["name"], "addon name");
      const hooks = lowerHooks(kw, []);
      return { kind: "addon", value: hooks ? { name, hooks } : { name } };
    },
  },
];

function image(packages: string[]): HelperResult {
  return { kind: "image", value: { kind: "nix_packages", packages } };
}

function extraPackages(kw: Kwargs): string[] {
  return given(kw.packages) ? expectStringList(kw.packages, ["packages"]) : [];
}

/** Requested origins, as written, each checked; duplicates are an error (they would mean a typo). */
function lowerOrigins(value: DeclValue): string[] {
  const origins = expectStringList(value, ["hosts"]);
  origins.forEach((origin, i) => {
    if (!ORIGIN_PATTERN.test(origin)) {
      throw declError("DECL_BAD_ARGUMENT", `${JSON.stringify(origin)} is not an origin`, ["hosts", i], 'write "https://host" or "https://host:port": lowercase, no path, no trailing slash');
    }
    if (Number(/:(\d+)$/.exec(origin)?.[1] ?? 1) > 65535) throw declError("DECL_BAD_ARGUMENT", `the port of ${JSON.stringify(origin)} is above 65535`, ["hosts", i]);
    if (origins.indexOf(origin) !== i) throw declError("DECL_BAD_ARGUMENT", `${JSON.stringify(origin)} is listed twice`, ["hosts", i]);
  });
  return origins;
}

function lowerPorts(value: DeclValue) {
  if (!Array.isArray(value)) throw declError("DECL_BAD_ARGUMENT", "ports must be a list of {guest, host?, proto?}", ["ports"]);
  return value.map((item, i) => {
    const path: DeclPath = ["ports", i];
    const port = expectObject(item, path);
    expectKnownKeys(port, ["guest", "host", "proto"], path, "a port");
    if (!given(port.guest)) throw declError("DECL_MISSING_KWARG", "a port needs guest", [...path, "guest"]);
    const guest = expectInteger(port.guest, [...path, "guest"], 1, 65535);
    const host = given(port.host) ? expectInteger(port.host, [...path, "host"], 1, 65535) : guest;
    const proto = given(port.proto) ? expectString(port.proto, [...path, "proto"]) : "tcp";
    if (proto !== "tcp" && proto !== "udp") throw declError("DECL_BAD_ARGUMENT", `proto must be "tcp" or "udp", got ${JSON.stringify(proto)}`, [...path, "proto"]);
    return { guest, host, proto } as const;
  });
}

const BY_NAME = new Map<string, HelperSpec>();
for (const spec of SPECS) {
  BY_NAME.set(spec.name, spec);
  if (spec.camel) BY_NAME.set(spec.camel, spec);
}

/** The helper names a front end may accept for `language` (TypeScript also takes camelCase, plus `app`). */
export function helperNames(language: "python" | "node"): string[] {
  return SPECS.flatMap((s) => (language === "node" && s.camel ? [s.name, s.camel] : [s.name]));
}

export function isHelperName(name: string, language: "python" | "node"): boolean {
  const spec = BY_NAME.get(name);
  return spec !== undefined && (language === "node" || spec.name === name);
}

/**
 * Calls a helper with Python's calling convention: at most one positional argument (where the table
 * allows one) and keywords. TypeScript front ends convert their argument lists with `tsCallArgs` first.
 */
export function callHelper(name: string, positional: readonly DeclValue[], kwargs: Kwargs, language: "python" | "node"): HelperValue {
  const spec = BY_NAME.get(name);
  if (!spec || (language === "python" && spec.name !== name)) {
    const hint = spec ? `in Python it is spelled ${spec.name}` : `the helpers are: ${helperNames(language).join(", ")}`;
    throw declError("DECL_UNKNOWN_HELPER", `${name} is not an mvm helper`, [], hint);
  }
  const kw: Kwargs = {};
  const maxPositional = spec.positional ? 1 : 0;
  if (positional.length > maxPositional) {
    throw declError("DECL_POSITIONAL_ARG", `${spec.name} takes ${maxPositional === 0 ? "no positional arguments" : `only ${spec.positional} positionally`}`, [maxPositional],
      language === "python" ? `pass arguments by keyword, e.g. ${spec.name}(${spec.params[0]}=...)` : `pass the options as one object, e.g. ${spec.camel ?? spec.name}({ ${spec.params[0]}: ... })`);
  }
  if (spec.positional && positional.length === 1) kw[spec.positional] = positional[0];
  for (const [key, value] of Object.entries(kwargs)) {
    if (!spec.params.includes(key)) {
      throw declError("DECL_UNKNOWN_KWARG", `${spec.name} got an unknown argument ${JSON.stringify(key)}`, [key], `expected one of: ${spec.params.join(", ")}`);
    }
    if (key in kw) throw declError("DECL_DUPLICATE_KWARG", `${spec.name} got ${key} twice`, [key]);
    kw[key] = value;
  }
  for (const key of spec.required ?? []) {
    if (!given(kw[key])) throw declError("DECL_MISSING_KWARG", `${spec.name} needs ${key}`, [key]);
  }
  return new HelperValue(spec.name, spec.lower(kw));
}

/** Each helper's parameter names in order (the Python SDK mirrors this table; a test holds it to it). */
export function helperParams(): Record<string, readonly string[]> {
  return Object.fromEntries(SPECS.map((s) => [s.name, s.params]));
}

/** A helper's TypeScript calling convention: whether it takes a positional first value and an options object. */
export function tsCallingConvention(name: string): { positional: boolean; options: boolean } {
  const spec = BY_NAME.get(name);
  return { positional: spec?.positional !== undefined, options: spec === undefined || spec.params.some((p) => p !== spec.positional) };
}
