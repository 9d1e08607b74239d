// Finds and runs the `temporal` CLI in the same order as scripts/ensure-temporal.cjs
// (SLIMFLOW_TEMPORAL_BIN, PATH, <repo>/.tools/bin), so the postinstall and the runtime agree.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { SlimflowError } from '../core/errors';
import { PACKAGE_ROOT } from '../core/package-root';

/** The package root (the checkout, or the installed package): scripts/ensure-temporal.cjs builds into its .tools/bin. */
export const REPO_ROOT = PACKAGE_ROOT;
const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

function answersVersion(bin: string): boolean {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return !r.error && r.status === 0;
}

function executablesOnPath(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const hits: string[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, EXE);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) hits.push(file);
    } catch {
      // not in this directory
    }
  }
  return hits;
}

// Probing a 250 MB Go binary costs ~100 ms; do it once per process and environment.
const cache = new Map<string, string>();

/** Path of a working `temporal` CLI: SLIMFLOW_TEMPORAL_BIN, then PATH, then <repo>/.tools/bin. */
export function resolveTemporalBin(env: NodeJS.ProcessEnv = process.env): string {
  const key = `${env.SLIMFLOW_TEMPORAL_BIN ?? ''}\0${env.PATH ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const found = findTemporalBin(env);
  cache.set(key, found);
  return found;
}

function findTemporalBin(env: NodeJS.ProcessEnv): string {
  const explicit = env.SLIMFLOW_TEMPORAL_BIN;
  if (explicit) {
    if (answersVersion(explicit)) return explicit;
    throw new SlimflowError('NOT_FOUND', `SLIMFLOW_TEMPORAL_BIN=${explicit} does not answer --version`, explicit);
  }
  for (const bin of executablesOnPath(env)) if (answersVersion(bin)) return bin;
  const local = path.join(REPO_ROOT, '.tools', 'bin', EXE);
  if (fs.existsSync(local) && answersVersion(local)) return local;
  throw new SlimflowError(
    'NOT_FOUND',
    'no working `temporal` CLI: run `node scripts/ensure-temporal.cjs` (builds it with Go >= 1.25 into .tools/bin), ' +
      'install the Temporal CLI on PATH, or set SLIMFLOW_TEMPORAL_BIN',
    local,
  );
}

/** Run `temporal <args>` and return its stdout; rejects with stderr in the message on failure. */
export function runTemporalCli(args: string[], opts: { timeoutMs?: number; bin?: string } = {}): Promise<string> {
  const bin = opts.bin ?? resolveTemporalBin();
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr || err.message).trim();
        reject(new SlimflowError('RUNTIME', `temporal ${args.slice(0, 3).join(' ')} failed: ${detail}`, bin, { cause: err }));
      } else {
        resolve(stdout);
      }
    });
  });
}
