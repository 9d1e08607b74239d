// autoCompress: the automatic mode. It analyses the model, has the planCompression activity
// generate the pipeline (the strategy rule, returned as data), runs that document with the same
// interpreter as runPipeline, and turns the results into the report. It decides; activities compute.
import {
  ActivityFailure, ApplicationFailure, condition, defineSignal, getExternalWorkflowHandle, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { SlimflowActivities } from '../activities';
import { described } from './handler-docs';
import { reportShapes } from '../core/config/feed-request';
import type { JobConfig } from '../core/config/schema';
import { CompiledPipeline, loadPipeline, PipelineProgress, progressOf, withinJob } from '../core/pipeline';
import type { Candidate } from '../core/pipeline/types';
import { buildReport, chosenStrategy, JobReport } from '../core/report/report';
import { AutoPlan, effectiveConfig, planAutoCompress } from '../core/search/strategy';
import { SlimflowError } from '../core/errors';
import { SlimflowSearchAttributes } from '../workers/search-attributes';
import { executePipeline, progressQuery } from './run-pipeline';
import { gatherStrategyInputs, StrategyInputs } from './strategy-inputs';
import { SHORT_IO } from './timeouts';

export interface AutoCompressInput {
  /** The job config as an object (what `slimflow compress` sends)... */
  config?: unknown;
  /** ...or the path of a YAML config readable by the workers (handy from the `temporal` CLI). */
  configPath?: string;
}

const { prepareJob, importModel, analyzeGraph, writeReport, planCompression } = proxyActivities<SlimflowActivities>(SHORT_IO);

/** Pause before the next stage (and pause a running search); the same names as ptqSearch's signals. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stop early: a running search ends with its best so far, and the job finishes with it. */
export const stopSignal = defineSignal('stop');

// Child workflows the pipeline may be running (ids `<job>/<step>`, see runStageActivity): control signals go on to them.
const CONTROLLABLE_STAGES = new Set(['ptqSearch', 'trainStrategy']);

const baseName = (p: string) => p.split(/[\\/]/).pop()!.replace(/\.onnx$/, '');

/** Compress one model as its config and analysis decide; returns the report. */
export async function autoCompress(input: AutoCompressInput): Promise<JobReport> {
  let progress: PipelineProgress = { stage: 'prepareJob', percent: 0, steps: {} };
  setHandler(progressQuery, () => progress, described('progress'));

  let paused = false;
  let stopped = false;
  let cp: CompiledPipeline | undefined;
  // The last control signal each child was sent, so a child is told each change once.
  const told = new Map<string, 'pause' | 'resume' | 'stop'>();
  const tell = async (id: string, name: 'pause' | 'resume' | 'stop') => {
    told.set(id, name);
    // A child whose start is still in flight is not found yet: retry while it runs and the signal stands.
    // One that has just finished is no error.
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        return await getExternalWorkflowHandle(`${workflowInfo().workflowId}/${id}`).signal(name);
      } catch {
        if (told.get(id) !== name || progress.steps[id]?.status !== 'running') return;
        await sleep(500);
      }
    }
  };
  // Forward a control signal to the search/training children running now.
  const forward = (name: 'pause' | 'resume' | 'stop') => {
    for (const [id, step] of Object.entries(cp?.pipeline.steps ?? {})) {
      if (CONTROLLABLE_STAGES.has(step.stage) && progress.steps[id]?.status === 'running' && told.get(id) !== name) void tell(id, name);
    }
  };
  setHandler(pauseSignal, () => { paused = true; forward('pause'); }, described('pause'));
  setHandler(resumeSignal, () => { paused = false; forward('resume'); }, described('resume'));
  setHandler(stopSignal, () => { paused = false; stopped = true; forward('stop'); }, described('stop'));
  // Pause takes effect between stages: nothing new starts until resume (or stop).
  const checkpoint = async (next: string) => {
    if (!paused) return;
    const before = progress.stage;
    progress = { ...progress, stage: `paused (before ${next})` };
    await condition(() => !paused);
    progress = { ...progress, stage: before };
  };

  const { config } = (await prepareJob(input)) as { config: JobConfig };
  const g = config.Global;
  upsertSearchAttributes([
    { key: SlimflowSearchAttributes.model, value: baseName(g.model) },
    { key: SlimflowSearchAttributes.status, value: 'running' },
  ]);

  progress = { ...progress, stage: 'analyzeGraph', percent: 2 };
  await checkpoint('analyzeGraph');
  const { model } = await importModel({ path: g.model });
  const { analysis } = await analyzeGraph({ model });

  let plan: AutoPlan;
  let inputs: StrategyInputs | undefined;
  try {
    // Sensitivity and strategy latencies feed the plan. Runs recorded before they existed replay without them.
    if (patched('strategy-inputs')) {
      progress = { ...progress, stage: 'measureSensitivity', percent: 3 };
      await checkpoint('measureSensitivity');
      inputs = await gatherStrategyInputs(config, effectiveConfig(config, analysis), model);
    }
    if (patched('plan-activity')) {
      // The plan is an activity's result: the history holds the document this job runs.
      plan = await planCompression({ config, analysis, latency: inputs?.latency, sensitivity: inputs?.sensitivity });
    } else {
      // Jobs recorded before the plan activity planned here. Those recorded before the trained student
      // competed for model.onnx replay without that contest; those recorded before the grid ran as a
      // search (with placement a search dimension), without that.
      plan = planAutoCompress(config, analysis, inputs?.latency, inputs?.sensitivity, {
        trainedContest: patched('trained-contest'), gridSearch: patched('grid-search'),
        // Asked only of transformers, so the recorded CNN and detector histories see no new marker.
        dynamicCandidate: analysis.family === 'transformer' && patched('dynamic-candidate'),
        // qdq_placement auto tries 'integer-wide' too; histories recorded before it searched two placements.
        widePlacement: patched('integer-wide-placement'),
      });
    }
    cp = loadPipeline(plan.pipeline);
  } catch (e) {
    if (e instanceof SlimflowError) throw ApplicationFailure.nonRetryable(e.message, e.code);
    // The activity's own input failure (no strategy reaches the target…), unwrapped: the job fails with it, once.
    if (e instanceof ActivityFailure && e.cause instanceof ApplicationFailure) {
      throw ApplicationFailure.create({ message: e.cause.message, type: e.cause.type ?? undefined, nonRetryable: true, details: e.cause.details as unknown[] });
    }
    throw e;
  }
  upsertSearchAttributes([{ key: SlimflowSearchAttributes.strategy, value: plan.strategy }]);

  await checkpoint('the pipeline');
  // A search or training child starts with the job's stop/pause state in its input, so a stop sent
  // during the teacher or baseline ends the search after its first batch. Jobs recorded before told
  // their children by signal only.
  const startControl = patched('child-start-control') ? () => ({ stopped, paused }) : undefined;
  const result = await executePipeline(cp, { model, calib: g.calibration_data }, (state) => {
    progress = withinJob(progressOf(cp, state), 5, 0.9);
    // A child started after a stop (or while the job is paused) is told at once as well.
    if (stopped) forward('stop');
    else if (paused) forward('pause');
  }, startControl);

  const out = result.outputs as {
    baseline: Candidate; rewritten: Candidate | null; candidates: Candidate[]; best: Candidate; int8: Candidate | null; modelPath: string; searchStoppedBy?: string;
    trained?: Candidate | null; trainedPath?: string | null;
    // The trained student's contest for model.onnx (null when training was skipped).
    finalTiming?: Candidate[] | null; finalBaseline?: Candidate | null; final?: Candidate | null; finalPath?: string | null;
  };
  const [ptqPick, trainedTimed] = out.finalTiming ?? [];
  // A search that found PTQ cannot reach the tolerance (every calibrator tried, all far off; before
  // that: a tester far off) records, for training strategies, that only they could close the gap.
  const skipped = out.searchStoppedBy?.includes('only QAT/distillation') ? [...plan.skipped, { strategy: 'PTQ search', reason: out.searchStoppedBy }] : plan.skipped;
  const report = buildReport({
    model: g.model,
    task: g.task,
    threads: g.deploy.threads,
    ...reportShapes(g),
    baseline: out.baseline,
    best: out.best,
    rewritten: out.rewritten,
    int8: out.int8,
    bestPath: out.modelPath,
    candidates: out.candidates,
    skipped,
    ...(out.searchStoppedBy ? { searchStoppedBy: out.searchStoppedBy } : {}),
    maxAccuracyDrop: g.deploy.max_accuracy_drop,
    targetSpeedup: g.deploy.target_speedup,
    strategies: plan.estimates,
    sensitivity: inputs?.sensitivity,
    meta: { createdAt: new Date().toISOString(), workflowId: workflowInfo().workflowId },
    trained: out.trained && out.trainedPath ? { ...out.trained, modelPath: out.trainedPath } : null,
    final: out.final && out.finalPath && out.finalBaseline && ptqPick && trainedTimed
      ? { baseline: out.finalBaseline, ptqPick, trained: trainedTimed, best: out.final, bestPath: out.finalPath }
      : null,
  });
  progress = { ...progress, stage: 'writeReport', percent: 98 };
  await checkpoint('writeReport');
  await writeReport({ report, outputDir: g.output_dir, config, pipeline: plan.pipeline });
  upsertSearchAttributes([
    { key: SlimflowSearchAttributes.status, value: report.target.met ? 'done' : 'done-target-missed' },
    { key: SlimflowSearchAttributes.bestScore, value: report.best.accuracy ?? report.best.agreement },
    // What was chosen, not what was planned: the FP32 rewrite or a trained student can win over PTQ.
    { key: SlimflowSearchAttributes.strategy, value: chosenStrategy(report, plan.strategy) },
  ]);
  progress = { ...progress, stage: 'done', percent: 100 };
  return report;
}
