// Path containment by path.relative, never by string prefix: "/a/ext-secret" starts with "/a/ext".
import * as path from 'node:path';

/** True when `p` is `root` itself or lies inside it (both resolved to absolute paths first). */
export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(p));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
