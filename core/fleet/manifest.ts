// The fleet manifest: which models a nightly run recompresses, with what config and data, where
// results go and which thresholds a result must pass before `latest` moves. Defaults apply to every
// entry; an entry's own keys win. Pure (zod + YAML text), so it is testable without a cluster.
import { z } from 'zod';
import { datasetSpecSchema } from '../data/spec';
import { parseYaml } from '../config/load';
import { formatZodIssues } from '../config/zod-errors';
import { SlimflowError } from '../errors';

const acceptance = z.strictObject({
  /** Largest accuracy (or, without labels, teacher-agreement) loss in points. */
  max_accuracy_drop: z.number().min(0).max(100).optional(),
  /** Smallest measured speedup over FP32 (1 = not slower). */
  min_speedup: z.number().min(0).optional(),
});

const deploy = z.strictObject({
  threads: z.number().int().min(1).max(256).optional(),
  target_speedup: z.number().min(0).optional(),
  max_accuracy_drop: z.number().min(0).max(100).optional(),
});

const data = z.strictObject({
  calibration: datasetSpecSchema.optional(),
  eval: datasetSpecSchema.optional(),
});

/** Keys an entry and the defaults share. */
const shared = {
  /** A job config: the path of a YAML file or the config itself (ACT-style sections). */
  config: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /**
   * Instead of a config, a pipeline (DAG): the path of a YAML/JSON file or the pipeline itself. It runs
   * as runPipeline with inputs `model`, `calib`, `eval` from the entry and must output `best` and
   * `baseline` candidates (optionally `candidates`), which acceptance and the report use.
   */
  pipeline: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** Further pipeline inputs by name (tolerance, input spec, ...); only for pipeline entries. */
  inputs: z.record(z.string(), z.unknown()).optional(),
  /** Replaces Global.model of the config; for a pipeline, its `model` input. */
  model: z.string().min(1).optional(),
  data: data.optional(),
  deploy: deploy.optional(),
  acceptance: acceptance.optional(),
};

const entry = z.strictObject({
  /** Folder name in the registry and the name the summary uses: letters, digits, `-`, `_`, `.`. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only'),
  ...shared,
  /** Registry folder of this model (default `<registry>/<name>`). */
  output: z.string().min(1).optional(),
});

/** The whole manifest. */
export const fleetManifestSchema = z
  .strictObject({
    name: z.string().min(1).default('fleet'),
    /** Root of the versioned output registry. */
    registry: z.string().min(1).default('.slimflow/registry'),
    /** Models compressed at once. */
    concurrency: z.number().int().min(1).max(64).default(1),
    defaults: z.strictObject(shared).prefault({}),
    models: z.array(entry).min(1),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.models.forEach((e, i) => {
      if (seen.has(e.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name "${e.name}"` });
      seen.add(e.name);
      const own = e.config !== undefined || e.pipeline !== undefined;
      if (e.config !== undefined && e.pipeline !== undefined) ctx.addIssue({ code: 'custom', path: ['models', i, 'pipeline'], message: 'give a config or a pipeline, not both' });
      else if (e.inputs !== undefined && e.config !== undefined) ctx.addIssue({ code: 'custom', path: ['models', i, 'inputs'], message: 'inputs are for pipeline entries; a config sets its own' });
      else if (!own && !m.defaults.config && !m.defaults.pipeline) ctx.addIssue({ code: 'custom', path: ['models', i, 'config'], message: 'each model needs a config or a pipeline (here or in defaults)' });
    });
    if (m.defaults.config !== undefined && m.defaults.pipeline !== undefined) ctx.addIssue({ code: 'custom', path: ['defaults', 'pipeline'], message: 'give a config or a pipeline, not both' });
  });

export type FleetManifest = z.output<typeof fleetManifestSchema>;
export type FleetManifestEntry = FleetManifest['models'][number];
export type Acceptance = z.output<typeof acceptance>;

/** Validate a parsed manifest; every problem is listed with its key path. */
export function parseFleetManifest(raw: unknown, source = '<manifest>'): FleetManifest {
  const res = fleetManifestSchema.safeParse(raw);
  if (!res.success) {
    const lines = formatZodIssues(res.error.issues, fleetManifestSchema as unknown as z.ZodType, raw);
    throw new SlimflowError('INVALID_CONFIG', `invalid fleet manifest:\n  ${lines.join('\n  ')}`, source);
  }
  return res.data;
}

/** Parse manifest YAML text. */
export function parseFleetManifestYaml(text: string, source: string): FleetManifest {
  return parseFleetManifest(parseYaml(text, source), source);
}

/** An entry with the defaults applied (entry keys win; data, deploy and inputs merge key by key). */
export function withDefaults(m: FleetManifest, e: FleetManifestEntry): FleetManifestEntry {
  const d = m.defaults;
  // An entry naming its own config or pipeline takes neither from the defaults.
  const own = e.config !== undefined || e.pipeline !== undefined;
  return {
    ...e,
    config: own ? e.config : d.config,
    pipeline: own ? e.pipeline : d.pipeline,
    inputs: { ...(d.inputs ?? {}), ...(e.inputs ?? {}) },
    model: e.model ?? d.model,
    data: { ...(d.data ?? {}), ...(e.data ?? {}) },
    deploy: { ...(d.deploy ?? {}), ...(e.deploy ?? {}) },
    acceptance: { ...(d.acceptance ?? {}), ...(e.acceptance ?? {}) },
  };
}
