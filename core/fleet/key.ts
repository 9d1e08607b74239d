// The content key of a fleet model: a hash of everything that determines its compressed result
// (model bytes, job config, data specs and data files, slimflow's version). Same key, same result:
// the fleet skips the model. Paths are left out where the bytes behind them are hashed, so moving
// a file does not force a recompression.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/schema';
import { SlimflowError } from '../errors';
import { PACKAGE_ROOT } from '../package-root';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Hash a file by streaming it in chunks (models can be large). */
export function hashFile(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Hashes of the files a dataset spec reads (images and npy sets); rendered sets are fully described by their spec. */
export function dataFileHashes(spec: Record<string, unknown> | undefined, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!spec) return out;
  const add = (file: string, name: string) => {
    if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'data file does not exist', `${where}: ${file}`);
    out[name] = hashFile(file);
  };
  const dir = typeof spec.dir === 'string' ? spec.dir : undefined;
  if (spec.kind === 'images' || spec.kind === 'npy') {
    if (dir) {
      if (!fs.existsSync(dir)) throw new SlimflowError('NOT_FOUND', 'data folder does not exist', `${where}: ${dir}`);
      for (const f of filesUnder(dir)) add(path.join(dir, f), f);
    }
    if (typeof spec.labels === 'string') add(spec.labels, `labels:${path.basename(spec.labels)}`);
    if (Array.isArray(spec.files)) for (const f of spec.files as string[]) add(f, path.basename(f));
  }
  return out;
}

/** The parts a key is built from (kept in key.json so a person can see why a model was redone). */
export interface KeyParts {
  slimflow: string;
  model: string;
  config: unknown;
  calibration: { spec: unknown; files: Record<string, string> };
  eval: { spec: unknown; files: Record<string, string> } | null;
}

/** Compute the content key of a job: sha256 of the canonical JSON of its parts. */
export function fleetKey(config: JobConfig, version: string): { key: string; parts: KeyParts } {
  const g = config.Global;
  if (!fs.existsSync(g.model)) throw new SlimflowError('NOT_FOUND', 'model file does not exist', g.model);
  const stripPaths = (spec: Record<string, unknown>) => {
    const { dir: _d, labels: _l, files: _f, ...rest } = spec;
    return rest;
  };
  const { model: _m, output_dir: _o, calibration_data, eval_data, ...globalRest } = g;
  const parts: KeyParts = {
    slimflow: version,
    model: hashFile(g.model),
    config: { ...config, Global: globalRest },
    calibration: { spec: stripPaths(calibration_data), files: dataFileHashes(calibration_data, 'Global.calibration_data') },
    eval: eval_data ? { spec: stripPaths(eval_data), files: dataFileHashes(eval_data, 'Global.eval_data') } : null,
  };
  return { key: sha256(canonicalJson(parts)), parts };
}

/** slimflow's version from package.json (part of every key: a new release recompresses). */
export function slimflowVersion(): string {
  const pkg = path.join(PACKAGE_ROOT, 'package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}
