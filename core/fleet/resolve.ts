// Turn a manifest into runnable entries: load each config, apply defaults and overrides, make
// paths absolute. A broken entry (missing config file, invalid config) becomes an entry with an
// error, so one bad model never stops the rest of the fleet.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadJobConfig, parseJobConfig } from '../config/load';
import type { JobConfig } from '../config/schema';
import { SlimflowError } from '../errors';
import { absolutizeJobPaths } from './paths';
import { resolveAcceptance } from './acceptance';
import { FleetManifest, parseFleetManifest, parseFleetManifestYaml, withDefaults } from './manifest';
import type { FleetEntry, FleetInput, ResolvedFleet } from './types';

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
  const entries = manifest.models.map((raw, i): FleetEntry => {
    const e = withDefaults(manifest, raw);
    const modelRoot = path.resolve(baseDir, e.output ?? path.join(manifest.registry, e.name));
    try {
      const config = applyOverrides(loadEntryConfig(e.config!, baseDir, `models[${i}].config`), e, baseDir);
      return { name: e.name, modelRoot, config, acceptance: resolveAcceptance(e.acceptance, config.Global.deploy.max_accuracy_drop) };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return { name: e.name, modelRoot, acceptance: resolveAcceptance(e.acceptance, 1), error: msg };
    }
  });
  return { name: manifest.name, registry, concurrency: manifest.concurrency, entries };
}

function loadEntryConfig(config: string | Record<string, unknown>, baseDir: string, where: string): JobConfig {
  if (typeof config === 'string') return loadJobConfig(path.resolve(baseDir, config));
  return parseJobConfig(config, where);
}

// Overrides go through the config schema again so a bad override is reported like a bad config.
function applyOverrides(config: JobConfig, e: ReturnType<typeof withDefaults>, baseDir: string): JobConfig {
  const g = config.Global;
  const merged = {
    ...config,
    Global: {
      ...g,
      ...(e.model ? { model: e.model } : {}),
      ...(e.data?.calibration ? { calibration_data: e.data.calibration } : {}),
      ...(e.data?.eval ? { eval_data: e.data.eval } : {}),
      deploy: { ...g.deploy, ...(e.deploy ?? {}) },
    },
  };
  return absolutizeJobPaths(parseJobConfig(merged, `models.${e.name}`), baseDir);
}
