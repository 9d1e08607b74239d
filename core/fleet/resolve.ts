// Turn a manifest into runnable entries: load each config, apply defaults and overrides, make
// paths absolute. A broken entry (missing config file, invalid config) becomes an entry with an
// error, so one bad model never stops the rest of the fleet.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJobConfig, parseYaml } from '../config/load';
import type { JobConfig } from '../config/schema';
import { SlimflowError } from '../errors';
import { absolutizeJobPaths } from './paths';
import { loadPipelineJob } from './pipeline-entry';
import { resolveAcceptance } from './acceptance';
import { FleetManifest, parseFleetManifest, parseFleetManifestYaml, withDefaults } from './manifest';
import type { FleetEntry, FleetInput, ResolvedFleet } from './types';

// Accuracy budget in points when neither acceptance nor deploy names one (the job config's own default).
const DEFAULT_MAX_DROP = 1;

/** Read the manifest named by the input (or take it inline) and resolve every entry. */
export function loadFleet(input: FleetInput): ResolvedFleet {
  const baseDir = path.resolve(input.baseDir ?? process.cwd());
  let manifest: FleetManifest;
  if (input.manifestPath) {
    const file = path.resolve(baseDir, input.manifestPath);
    if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'fleet manifest does not exist', file);
    manifest = parseFleetManifestYaml(fs.readFileSync(file, 'utf8'), file);
  } else if (input.manifest !== undefined) {
    manifest = parseFleetManifest(input.manifest, 'fleet input: manifest');
  } else {
    throw new SlimflowError('INVALID_CONFIG', 'the fleet needs "manifestPath" (a YAML file) or "manifest" (an object)');
  }
  return resolveFleet(manifest, baseDir);
}

/** Resolve a validated manifest against a base folder. */
export function resolveFleet(manifest: FleetManifest, baseDir: string): ResolvedFleet {
  const registry = path.resolve(baseDir, manifest.registry);
  const entries = manifest.models.map((raw): FleetEntry => {
    const e = withDefaults(manifest, raw);
    const modelRoot = path.resolve(baseDir, e.output ?? path.join(manifest.registry, e.name));
    try {
      if (e.pipeline !== undefined) {
        if (!e.model) throw new SlimflowError('INVALID_CONFIG', 'a pipeline entry needs "model" (here or in defaults): it is the pipeline\'s model input', `models.${e.name}.model`);
        const pipeline = loadPipelineJob(e, baseDir);
        return { name: e.name, modelRoot, pipeline, acceptance: resolveAcceptance(e.acceptance, e.deploy?.max_accuracy_drop ?? DEFAULT_MAX_DROP) };
      }
      const config = applyOverrides(loadEntryConfig(e.config!, baseDir), e, baseDir);
      return { name: e.name, modelRoot, config, acceptance: resolveAcceptance(e.acceptance, config.Global.deploy.max_accuracy_drop) };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return { name: e.name, modelRoot, acceptance: resolveAcceptance(e.acceptance, DEFAULT_MAX_DROP), error: msg };
    }
  });
  return { name: manifest.name, registry, concurrency: manifest.concurrency, entries };
}

// The raw config (a file's YAML or the inline object): overrides go in before validation, so a
// shared config may leave out what every entry sets (its model, say).
function loadEntryConfig(config: string | Record<string, unknown>, baseDir: string): { raw: Record<string, unknown>; source: string } {
  if (typeof config !== 'string') return { raw: config, source: 'inline config' };
  const file = path.resolve(baseDir, config);
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'config file does not exist', file);
  const raw = parseYaml(fs.readFileSync(file, 'utf8'), file);
  if (!raw || typeof raw !== 'object') throw new SlimflowError('INVALID_CONFIG', 'the config is not a YAML mapping', file);
  return { raw: raw as Record<string, unknown>, source: file };
}

// Overrides go through the config schema with the rest, so a bad override is reported like a bad config.
function applyOverrides(loaded: { raw: Record<string, unknown>; source: string }, e: ReturnType<typeof withDefaults>, baseDir: string): JobConfig {
  const g = (loaded.raw.Global ?? {}) as Record<string, unknown>;
  const merged = {
    ...loaded.raw,
    Global: {
      ...g,
      ...(e.model ? { model: e.model } : {}),
      ...(e.data?.calibration ? { calibration_data: e.data.calibration } : {}),
      ...(e.data?.eval ? { eval_data: e.data.eval } : {}),
      ...(e.deploy && Object.keys(e.deploy).length > 0 ? { deploy: { ...((g.deploy as object) ?? {}), ...e.deploy } } : {}),
    },
  };
  return absolutizeJobPaths(parseJobConfig(merged, `${loaded.source} for model ${e.name}`), baseDir);
}
