// Workflow ids that say what a job is, so running the same command again finds the same job: a
// hash of the config (or pipeline and inputs, or manifest), the model and data file hashes and
// slimflow's version. Changing any of them is a new job; `--workflow-id` names one explicitly.
import { createHash } from 'node:crypto';
import type { JobConfig } from '../core/config/schema';
import { canonicalJson, fleetKey, slimflowVersion } from '../core/fleet/key';
import { pipelineFleetKey } from '../core/fleet/pipeline-key';
import type { ResolvedFleet } from '../core/fleet/types';

const short = (parts: unknown) => createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, 16);
const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);

/** `compress-<model>-<hash>`: the content key of the job (model, config, data) and where it writes. */
export function compressWorkflowId(config: JobConfig): string {
  const { key } = fleetKey(config, slimflowVersion());
  const model = config.Global.model.split(/[\\/]/).pop()!.replace(/\.onnx$/, '');
  return `compress-${safe(model)}-${short({ key, output: config.Global.output_dir })}`;
}

/** `pipeline-<name>-<hash>`: the pipeline text, its inputs, and the bytes of its model and data inputs. */
export function pipelineWorkflowId(name: string, text: string, document: Record<string, unknown>, inputs: Record<string, unknown>): string {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const { key } = pipelineFleetKey({ document, source: 'pipeline', sha256, inputs, threads: 1 }, slimflowVersion());
  return `pipeline-${safe(name)}-${key.slice(0, 16)}`;
}

/** `fleet-<name>-<hash>`: every entry's content key (or its error) and where the fleet publishes. */
export function fleetWorkflowId(fleet: ResolvedFleet): string {
  const version = slimflowVersion();
  const entries = fleet.entries.map((e) => {
    if (e.error) return { name: e.name, error: e.error };
    try {
      return { name: e.name, root: e.modelRoot, key: (e.pipeline ? pipelineFleetKey(e.pipeline, version) : fleetKey(e.config!, version)).key };
    } catch (err) {
      return { name: e.name, error: (err as Error).message };
    }
  });
  return `fleet-${safe(fleet.name)}-${short({ registry: fleet.registry, entries })}`;
}
