/**
 * From launch.json's image to a provider request: the attributes as the IR lists them, plus the runtime an
 * entrypoint's language needs when the image names none (the seed's TypeScript example declares
 * python_image; its function still needs Node). The Debian provider is the default and, here, the only one.
 */
import type { Launch } from "@mvm/ir";
import { DebianProvider } from "./providers/debian.ts";
import type { ImageProvider, ImageRequest, RequestedAttribute } from "./providers/provider.ts";

/** node_image's default major (the `node="22"` default of the declaration helpers in @mvm/ir). */
export const DEFAULT_NODE_MAJOR = "22";

const NAMES_PYTHON = /^python3\d*$/;
const NAMES_NODE = /^nodejs(_\d+)?$/;

export function imageRequest(launch: Launch, strict: boolean): ImageRequest {
  const attributes: RequestedAttribute[] = launch.image.packages.map((name) => ({ name }));
  const languages = new Set(launch.entrypoints.flatMap((e) => (e.kind === "function" ? [e.language] : [])));
  if (languages.has("python") && !attributes.some((a) => NAMES_PYTHON.test(a.name))) attributes.push({ name: "python3", addedFor: "python" });
  if (languages.has("node") && !attributes.some((a) => NAMES_NODE.test(a.name))) attributes.push({ name: `nodejs_${DEFAULT_NODE_MAJOR}`, addedFor: "node" });
  return { attributes, strict };
}

export function defaultProvider(): ImageProvider {
  return new DebianProvider(DEFAULT_NODE_MAJOR);
}
