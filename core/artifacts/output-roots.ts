// Where jobs may write. A job's outputs (output_dir, publishModel.outputDir, a fleet's registry and
// output) must lie under one of the worker's output roots: the project's `.slimflow/`, the folders
// given on the command line (`--output-root`), and those listed in SLIMFLOW_OUTPUT_ROOTS
// (path.delimiter-separated). Whoever can start a job then cannot write outside them, and no
// symbolic link inside an output location is followed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../errors';
import { isWithin } from './contain';
import { checkRemoteOutput, isRemoteLocation } from './remote-output';

/** The environment variable that adds output roots. */
export const OUTPUT_ROOTS_ENV = 'SLIMFLOW_OUTPUT_ROOTS';

/** The output roots of this process: `<cwd>/.slimflow` and SLIMFLOW_OUTPUT_ROOTS. */
export function outputRoots(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const listed = (env[OUTPUT_ROOTS_ENV] ?? '').split(path.delimiter).filter((s) => s.trim() !== '');
  return [path.join(cwd, '.slimflow'), ...listed.map((r) => path.resolve(cwd, r))];
}

/** Add folders to this process's output roots (what `--output-root` does for the CLI's own worker). */
export function addOutputRoots(dirs: string[], env: NodeJS.ProcessEnv = process.env): void {
  if (dirs.length === 0) return;
  const now = (env[OUTPUT_ROOTS_ENV] ?? '').split(path.delimiter).filter(Boolean);
  env[OUTPUT_ROOTS_ENV] = [...now, ...dirs.map((d) => path.resolve(d))].join(path.delimiter);
}

/**
 * Check an output folder before anything is written: under an output root, no symbolic link
 * between the root and it, and not an existing file. `key` names the config key for the error.
 */
export function checkOutputDir(dir: string, key: string, roots: string[] = outputRoots()): string {
  // Only the job's own outputs (checkOutputLocation) may be s3://; resolved as a path, one would land in the working folder.
  if (isRemoteLocation(dir)) throw new SlimflowError('INVALID_CONFIG', `an s3:// location is not supported here (${dir}); only Global.output_dir may be s3://`, key);
  const abs = path.resolve(dir);
  const root = roots.find((r) => isWithin(r, abs));
  if (!root) {
    throw new SlimflowError('INVALID_CONFIG', `output folder ${abs} is outside the output roots (${roots.join(', ')}); use a folder under one of them, pass --output-root, or add it to ${OUTPUT_ROOTS_ENV}`, key);
  }
  // Walk from the root down: a link anywhere below it could point the write anywhere.
  let cur = path.resolve(root);
  for (const part of path.relative(cur, abs).split(path.sep).filter(Boolean)) {
    cur = path.join(cur, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      break; // does not exist yet: nothing below it can be a link
    }
    if (st.isSymbolicLink()) throw new SlimflowError('INVALID_CONFIG', `output location contains a symbolic link (${cur}); links are not followed`, key);
    if (!st.isDirectory()) throw new SlimflowError('INVALID_CONFIG', `output folder is an existing file: ${cur}`, key);
  }
  return abs;
}

/** Check a file to be written inside an output folder (its folder as above; the file no link). */
export function checkOutputFile(file: string, key: string, roots: string[] = outputRoots()): string {
  checkOutputDir(path.dirname(file), key, roots);
  const abs = path.resolve(file);
  try {
    const st = fs.lstatSync(abs);
    if (st.isSymbolicLink()) throw new SlimflowError('INVALID_CONFIG', `output file is a symbolic link (${abs}); links are not followed`, key);
    if (st.isDirectory()) throw new SlimflowError('INVALID_CONFIG', `output file is an existing folder: ${abs}`, key);
  } catch (e) {
    if (e instanceof SlimflowError) throw e;
  }
  return abs;
}

/**
 * Check a job's output location before anything is written: a folder as checkOutputDir says, or
 * an `s3://` location in the bucket of the worker's store (see remote-output.ts).
 */
export function checkOutputLocation(dir: string, key: string, roots: string[] = outputRoots()): string {
  return isRemoteLocation(dir) ? checkRemoteOutput(dir, key) : checkOutputDir(dir, key, roots);
}
