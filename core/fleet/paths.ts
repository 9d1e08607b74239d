// Absolute paths for a job config, so any worker resolves it the same way. (The same rule as
// activities/job-activities.ts absolutizeConfig; kept in the core so core/fleet needs no activity code.)
import * as path from 'node:path';
import type { JobConfig } from '../config/schema';

type Data = JobConfig['Global']['calibration_data'];

/** Make the paths of a dataset spec (images and npy sets) absolute against baseDir. */
export function absolutizeDataSpec(d: Data, baseDir: string): Data {
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  if (d.kind === 'images') return { ...d, dir: abs(d.dir), ...(d.labels ? { labels: abs(d.labels) } : {}) };
  if (d.kind === 'npy') return { ...d, ...(d.dir ? { dir: abs(d.dir) } : {}), ...(d.files ? { files: d.files.map(abs) } : {}) };
  return d;
}

/** Make every path in a config absolute against baseDir. */
export function absolutizeJobPaths(config: JobConfig, baseDir: string): JobConfig {
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  const data = (d: Data): Data => absolutizeDataSpec(d, baseDir);
  const g = config.Global;
  return {
    ...config,
    Global: { ...g, model: abs(g.model), output_dir: abs(g.output_dir), calibration_data: data(g.calibration_data), ...(g.eval_data ? { eval_data: data(g.eval_data) } : {}) },
  };
}
