// Where slimflow's own files are, whether it runs from its sources (<root>/core/…, through tsx) or
// from its build (<root>/dist/core/…, through node), in a checkout or installed as a package.
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The folder holding slimflow's package.json. */
export const PACKAGE_ROOT = findRoot(__dirname);

/**
 * The folder of slimflow's local state (artifact store, cache, embedded server): `.slimflow` in the
 * checkout, or, for a package installed under node_modules, in the folder the command runs in;
 * SLIMFLOW_HOME overrides both.
 */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIMFLOW_HOME) return path.resolve(env.SLIMFLOW_HOME);
  const installed = PACKAGE_ROOT.split(path.sep).includes('node_modules');
  return path.join(installed ? process.cwd() : PACKAGE_ROOT, '.slimflow');
}
