/**
 * gitignore-style globs on `/`-separated paths relative to the source root (DESIGN.md §2): `*` and `?`
 * stay inside one segment, `**` spans segments and matches dotfiles, a leading `/` anchors to the root,
 * a pattern without any other `/` matches at any depth, and a trailing `/` matches directories only.
 */
export interface Glob {
  pattern: string;
  directoryOnly: boolean;
  regex: RegExp;
}

export function compileGlob(pattern: string): Glob {
  let body = pattern;
  const directoryOnly = body.endsWith("/");
  if (directoryOnly) body = body.slice(0, -1);
  const anchored = body.startsWith("/") || body.includes("/");
  if (body.startsWith("/")) body = body.slice(1);
  let source = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === "*" && body[i + 1] === "*") {
      const atSegmentEnd = body[i + 2] === "/";
      source += atSegmentEnd ? "(?:.*/)?" : ".*";
      i += atSegmentEnd ? 2 : 1;
    } else if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const prefix = anchored ? "^" : "^(?:.*/)?";
  return { pattern, directoryOnly, regex: new RegExp(`${prefix}${source}$`, "u") };
}

/** True when `path` (a file or, with isDirectory, a directory) matches the glob. */
export function globMatches(glob: Glob, path: string, isDirectory: boolean): boolean {
  if (glob.directoryOnly && !isDirectory) return false;
  return glob.regex.test(path);
}
