// fleetRecompress: recompress every model of a fleet manifest. Each model is an isolated child
// autoCompress, or runPipeline for an entry given as a pipeline (a failure is recorded, the others go on), at most `concurrency` at once. A model
// whose content key (model, config, data, slimflow version) already has a published version is
// skipped. Results are published into the registry by an activity that writes each key once.
import { defineQuery, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { described } from './handler-docs';
import type { SlimflowActivities } from '../activities';
import type { FleetEntry, FleetInput, FleetSummary, ModelOutcome } from '../core/fleet/types';
import { pipelineJobReport } from '../core/fleet/pipeline-report';
import { summarize } from '../core/fleet/summary';
import type { JobReport } from '../core/report/report';
import type { autoCompress } from './auto-compress';
import type { runPipeline } from './run-pipeline';
import { SHORT_IO } from './timeouts';

const { loadFleet, fleetModelKey, publishFleetModel, writeFleetIndex, publishModel, writeReport } = proxyActivities<SlimflowActivities>(SHORT_IO);

/** Run a pipeline entry as a runPipeline child and stage its model and report where autoCompress would. */
async function runPipelineEntry(entry: FleetEntry, stagingDir: string, workflowId: string): Promise<JobReport> {
  const job = entry.pipeline!;
  const result = await executeChild<typeof runPipeline>('runPipeline', { args: [{ pipeline: job.document as never, inputs: job.inputs }], workflowId });
  const report = pipelineJobReport(entry, result.outputs, `${stagingDir}/model.onnx`);
  await publishModel({ model: report.best.model, outputDir: stagingDir });
  await writeReport({ report, outputDir: stagingDir, pipeline: job.document });
  return report;
}

/** What the fleet's `progress` query answers. */
export interface FleetProgress {
  stage: string;
  percent: number;
  models: Record<string, string>;
}

export const fleetProgressQuery = defineQuery<FleetProgress>('progress');

/** The innermost message of a (child/activity/application) failure chain: what actually went wrong. */
export function rootMessage(e: unknown): string {
  let cur = e as { message?: string; cause?: unknown } | undefined;
  let msg = String((e as Error)?.message ?? e);
  for (let depth = 0; cur && depth < 10; depth++) {
    if (cur.message) msg = cur.message;
    cur = cur.cause as typeof cur;
  }
  return msg;
}

/** Recompress the fleet's changed models and publish them; returns the run summary. */
export async function fleetRecompress(input: FleetInput): Promise<FleetSummary> {
  const models: Record<string, string> = {};
  let stage = 'loading manifest';
  let settled = 0;
  let total = 0;
  // The stage line names the models in flight, so `slimflow fleet run` shows what it is waiting for.
  const busy = () => Object.entries(models).filter(([, s]) => ['hashing', 'compressing', 'publishing'].includes(s)).map(([m, s]) => `${m} ${s}`);
  setHandler(fleetProgressQuery, () => ({
    stage: stage === 'compressing' && busy().length > 0 ? `${settled}/${total} done; ${busy().join(', ')}` : stage,
    percent: total ? Math.round((100 * settled) / total) : 0,
    models,
  }), described('fleetProgress'));

  const fleet = await loadFleet(input);
  total = fleet.entries.length;
  for (const e of fleet.entries) models[e.name] = 'pending';
  stage = 'compressing';
  const outcomes: ModelOutcome[] = new Array(total);

  const one = async (entry: FleetEntry): Promise<ModelOutcome> => {
    if (entry.error) return { name: entry.name, status: 'failed', reason: entry.error };
    let keyed;
    try {
      models[entry.name] = 'hashing';
      keyed = await fleetModelKey({ entry });
    } catch (e) {
      return { name: entry.name, status: 'failed', reason: rootMessage(e) };
    }
    if (keyed.existing) {
      const x = keyed.existing;
      const why = `unchanged since version ${x.version} (${x.publishedAt})${x.accepted ? '' : `, which was rejected: ${x.reason ?? ''}`}`;
      return { name: entry.name, status: 'skipped', key: keyed.key, versionDir: x.dir, reason: why };
    }
    // Named after the fleet run and the model, so a retried workflow task finds the same child.
    const workflowId = `${workflowInfo().workflowId}/${entry.name}`;
    try {
      models[entry.name] = 'compressing';
      let report: JobReport;
      if (entry.pipeline) {
        report = await runPipelineEntry(entry, keyed.stagingDir, workflowId);
      } else {
        const config = { ...entry.config!, Global: { ...entry.config!.Global, output_dir: keyed.stagingDir } };
        report = await executeChild<typeof autoCompress>('autoCompress', { args: [{ config }], workflowId });
      }
      models[entry.name] = 'publishing';
      return await publishFleetModel({ entry, key: keyed.key, parts: keyed.parts, report, stagingDir: keyed.stagingDir, workflowId });
    } catch (e) {
      return { name: entry.name, status: 'failed', key: keyed.key, reason: rootMessage(e), workflowId };
    }
  };

  // A fixed pool of lanes takes models in manifest order: bounded concurrency without timers.
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const o = await one(fleet.entries[i]);
      outcomes[i] = o;
      models[o.name] = o.status;
      settled++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(fleet.concurrency, total) }, lane));

  stage = 'writing index';
  const entries = fleet.entries.map((e) => ({ name: e.name, modelRoot: e.modelRoot }));
  const { path: index } = await writeFleetIndex({ fleet: fleet.name, registry: fleet.registry, outcomes, entries });
  stage = 'done';
  return summarize(fleet.name, fleet.registry, outcomes, index);
}
