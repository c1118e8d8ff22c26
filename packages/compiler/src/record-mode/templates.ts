/** The Sandbox templates record mode accepts (issue 3) and the image each one lowers to. */
import type { Image } from "@mvm/ir";

export const TEMPLATE_PACKAGES: { readonly [template: string]: readonly string[] } = {
  "python-3.12": ["python312"],
  "python-3.13": ["python313"],
  "node-22": ["nodejs_22"],
  "node-lts": ["nodejs_22"],
  minimal: ["busybox", "bash", "coreutils"],
};

/** The image for a template, or undefined when the template is not one of TEMPLATE_PACKAGES. */
export function templateImage(template: string): Image | undefined {
  const packages = Object.hasOwn(TEMPLATE_PACKAGES, template) ? TEMPLATE_PACKAGES[template] : undefined;
  return packages ? { kind: "nix_packages", packages: [...packages] } : undefined;
}
