import * as path from 'node:path';
import { Command } from 'commander';
import { absolutizeConfig } from '../../activities/job-activities';
import { loadJobConfig } from '../../core/config/load';
import type { JobConfig } from '../../core/config/schema';
import { configFeed } from '../../core/config/check-feed';
import { Batch } from '../../core/data';
import { batchSizeOf, Feed } from '../../core/feed';
import { feedBatches, isFullBatch, syntheticFeed } from '../../core/feed-data';
import { SlimflowError } from '../../core/errors';
import { Agreement, AgreementMeter, createTaskMeter, TaskResult } from '../../core/metrics';
import { measureLatency } from '../../core/runtime/latency';
import { ModelSession } from '../../core/runtime/session';
import { Tensor } from '../../core/tensor';
import { emit, fail, info } from '../output';

/** Figures of one model on an evaluation set. */
export interface ModelEvaluation {
  /** The task metric against labels, in points; null when the set has no labels. */
  metric: number | null;
  /** The task metric that decides acceptance: against labels when labeled, else against the teacher. */
  score: number;
  /** What `score` measures (e.g. "top-1 accuracy", "mean cosine to the teacher ×100"). */
  metricName: string;
  details: Record<string, number>;
  agreement: Agreement;
}

/** The evaluation batches a config describes (eval_data, else calibration_data) at its feed's batch size. */
export function evalBatches(config: JobConfig, limit?: number, feed: Feed = configFeed(config)): AsyncGenerator<Batch> {
  const g = config.Global;
  return feedBatches(g.eval_data ?? g.calibration_data, feed.inputs, { batchSize: batchSizeOf(feed), limit, where: g.eval_data ? 'Global.eval_data' : 'Global.calibration_data' });
}

/**
 * Evaluate several models against one teacher on the same batches: the teacher runs once per batch (and is
 * scored too, as the FP32 reference) and every model sees exactly the same inputs, so their figures compare fairly.
 */
export async function evaluateModels(
  models: Array<string | Uint8Array>,
  teacher: string | Uint8Array,
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  /** simulated: run the evaluated models with Q/DQ unfused (exact int8 arithmetic, as TensorRT computes it). */
  /** output: the graph output the metric reads (Global.output); absent: each model's first. inputName: an input every model must have. */
  opts: { task: string; taskParams?: unknown; output?: string; inputName?: string; threads?: number; simulated?: boolean; onBatch?: (b: Batch) => void },
): Promise<{ teacher: Omit<ModelEvaluation, 'agreement'>; models: ModelEvaluation[] }> {
  const threads = opts.threads ?? 1;
  const t = await ModelSession.create(teacher, { threads }, 'teacher');
  const sessions: ModelSession[] = [];
  try {
    for (const m of models) sessions.push(await ModelSession.create(m, { threads, ...(opts.simulated ? { graphOptimization: 'basic' as const } : {}) }));
    for (const s of [t, ...sessions]) {
      if (opts.inputName !== undefined && !s.inputNames.includes(opts.inputName)) throw new SlimflowError('SHAPE_MISMATCH', `model has no input named "${opts.inputName}"; its inputs are ${s.inputNames.join(', ')}`, 'Global.input_name');
      if (opts.output !== undefined && !s.outputNames.includes(opts.output)) throw new SlimflowError('INVALID_CONFIG', `model ${s.label} has no output "${opts.output}"; its outputs are ${s.outputNames.join(', ')}`, 'Global.output');
    }
    const outputOf = (s: ModelSession) => opts.output ?? s.outputNames[0];
    // The task's own meter (Global.<task> parameters), as validateCandidate scores; the teacher is scored against itself.
    const meters = sessions.map(() => createTaskMeter(opts.task, opts.taskParams));
    const teacherMeter = createTaskMeter(opts.task, opts.taskParams);
    let samples = 0;
    const agreements = sessions.map(() => new AgreementMeter());
    for await (const b of batches) {
      const tOut = (await t.run(b.inputs, [outputOf(t)]))[outputOf(t)];
      teacherMeter.update(tOut, tOut, b.labels);
      samples += b.ids.length;
      for (let k = 0; k < sessions.length; k++) {
        const out = (await sessions[k].run(b.inputs, [outputOf(sessions[k])]))[outputOf(sessions[k])];
        agreements[k].update(tOut, out);
        meters[k].update(out, tOut, b.labels);
      }
      opts.onBatch?.(b);
    }
    if (samples === 0) throw new SlimflowError('INVALID_DATA', 'the evaluation set is empty', 'Global.eval_data');
    const figures = (r: TaskResult) => ({ metric: r.labeled ? r.score : null, score: r.score, metricName: r.metric, details: r.details });
    return {
      teacher: figures(teacherMeter.result()),
      models: sessions.map((_, k) => ({ ...figures(meters[k].result()), agreement: agreements[k].value() })),
    };
  } finally {
    await Promise.all([t, ...sessions].map((s) => s.release()));
  }
}

/** A batch of exactly the feed's shapes: timings are quoted at them (the first real batch, else constant data of each input's type). */
export function fullBatch(batch: Batch | undefined, feed: Feed): Record<string, Tensor> {
  return batch && isFullBatch(batch, feed.inputs) ? batch.inputs : syntheticFeed(feed.inputs);
}

/** `slimflow eval <model> --config <yaml>`: task metric, agreement with the config's FP32 model, median latency. */
export const evalCommand = new Command('eval')
  .description("evaluate a model on a job config's evaluation set: task metric, agreement with the config's FP32 model, latency")
  .argument('<model>', '.onnx file to evaluate (FP32 or quantized)')
  .requiredOption('--config <yaml>', 'job config: Global.eval_data, Global.task, Global.model as the teacher, Global.inputs (or input_shape), Global.output')
  .option('--limit <n>', 'evaluate at most this many samples', (v) => Number(v))
  .option('--json', 'print the figures as one JSON object on the last line')
  .action(async (modelPath: string, opts: { config: string; limit?: number; json?: boolean }) => {
    try {
      const config = absolutizeConfig(loadJobConfig(opts.config), process.cwd());
      const g = config.Global;
      const model = path.resolve(modelPath);
      // A TensorRT-preset model is scored as the job scores it (see activities/validate-candidate.ts).
      const simulated = config.QuantPost?.deploy_backend === 'tensorrt';
      info(`evaluating ${model} on ${g.task} against ${g.model}${simulated ? ' (int8 arithmetic simulated: QuantPost.deploy_backend is tensorrt)' : ''}`);
      const feed = configFeed(config);
      let first: Batch | undefined;
      const { models: [r] } = await evaluateModels([model], g.model, evalBatches(config, opts.limit, feed), {
        task: g.task, taskParams: (g as Record<string, unknown>)[g.task], ...(feed.output ? { output: feed.output } : {}), threads: g.deploy.threads, simulated, onBatch: (b) => { first ??= b; },
      });
      const latency = await measureLatency(model, fullBatch(first, feed), { threads: g.deploy.threads });
      const shapes = Object.fromEntries(feed.inputs.map((i) => [i.name, i.shape]));
      const figures = {
        model, task: g.task, metric: r.metric, score: r.score, metricName: r.metricName, details: r.details,
        agreement: { top1: r.agreement.top1, cosine: r.agreement.cosine }, samples: r.agreement.samples,
        latencyMs: latency.medianMs, shape: feed.inputs[0].shape, shapes, threads: g.deploy.threads, scoredBy: simulated ? 'simulated int8 arithmetic' : 'onnxruntime kernels',
      };
      emit(!!opts.json, figures, () => [
        `${model}`,
        `  ${g.task}: ${r.score.toFixed(2)} points (${r.metricName}${r.metric === null ? ', no labels' : ''})  ${Object.entries(r.details).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(2)}`).join(', ')}`,
        `  agreement with FP32: top-1 ${r.agreement.top1.toFixed(2)}, cosine ${r.agreement.cosine.toFixed(2)} over ${r.agreement.samples} samples`,
        `  median latency ${latency.medianMs.toFixed(2)} ms at ${feed.inputs.map((i) => `${feed.inputs.length > 1 ? `${i.name} ` : ''}[${i.shape.join('x')}]`).join(', ')}, ${g.deploy.threads} thread(s)`,
      ].join('\n'));
    } catch (e) {
      fail(e);
    }
  });
