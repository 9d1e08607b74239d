import { ArtifactRef } from '../core/artifacts/store';
import { SlimflowError } from '../core/errors';
import { AgreementMeter, createTaskMeter, EmdMeter } from '../core/metrics';
import { floatsOf } from '../core/metrics/floats';
import { predictOrMeasure } from '../core/latency/service';
import { measureLatency } from '../core/runtime/latency';
import { createHash } from 'node:crypto';
import { activityInfo } from '@temporalio/activity';
import { compareLatency } from '../core/runtime/compare-latency';
import { ModelSession } from '../core/runtime/session';
import { Tensor } from '../core/tensor';
import { batchSizeOf, Feed } from '../core/feed';
import { feedBatches, isFullBatch, syntheticFeed } from '../core/feed-data';
import { decodeModel } from '../core/onnx/model-io';
import type { Candidate } from '../core/pipeline/types';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { DataShapes, DEFAULT_BATCH, feedFor, feedForModel, InputSpec, inputSpec } from './input-spec';

/** The store key of one compareLatency activity's measurement: its job, its activity id and its inputs (null outside a worker). */
function timingRecordKey(all: Candidate[], threads: number, inputs: unknown): string | null {
  let info;
  try {
    info = activityInfo();
  } catch {
    return null;
  }
  const wf = info.workflowExecution;
  if (!wf) return null;
  const what = JSON.stringify({ wf: wf.workflowId, run: wf.runId, activity: info.activityId, models: all.map((c) => c.model.sha256), threads, inputs });
  return `timing-${createHash('sha256').update(what).digest('hex')}`;
}

export interface ValidationResult {
  candidate: Candidate;
  accuracy: number | null;
  agreement: number;
  latencyMs: number;
  sizeBytes: number;
}

/** A session with its feed bound to the graph's inputs and outputs (every config problem named before any batch runs). */
async function openChecked(bytes: Uint8Array, spec: InputSpec, label: string, from: DataShapes, simulated = false): Promise<{ session: ModelSession; feed: Feed }> {
  // 'basic' stops before onnxruntime fuses DQ → op → Q into integer kernels.
  const session = await ModelSession.create(bytes, { threads: spec.threads, ...(simulated ? { graphOptimization: 'basic' as const } : {}) }, label);
  try {
    return { session, feed: await feedFor(session, spec, from) };
  } catch (e) {
    await session.release();
    throw e;
  }
}

/**
 * A model for the TensorRT preset is scored as TensorRT computes it: its Q/DQ run as float ops (exact
 * int8 arithmetic) instead of onnxruntime's CPU integer kernels, whose u8·s8 pair sums saturate with
 * full-range weights on AVX2 (cls agreement 93% fused, 98–100% simulated, at the same model).
 */
const scoredBySimulation = (config: unknown) => (config as { backend?: unknown } | undefined)?.backend === 'tensorrt';

/** Run teacher and student over the evaluation set: the task metric (when labeled), agreement, and a latency batch. */
async function evaluate(teacherBytes: Uint8Array, studentBytes: Uint8Array, evalSpec: unknown, spec: InputSpec, label: string, simulated = false) {
  // Without shapes in the port, the evaluation data's own (at the batch size PP-OCR jobs ran).
  const from = { data: evalSpec, batchSize: DEFAULT_BATCH };
  const teacher = await openChecked(teacherBytes, spec, 'teacher', from);
  let student: Awaited<ReturnType<typeof openChecked>>;
  try {
    student = await openChecked(studentBytes, spec, label, from, simulated);
  } catch (e) {
    await teacher.session.release();
    throw e;
  }
  const feed = student.feed;
  // The task's own metric decides acceptance: against labels when every batch has them, else against the teacher.
  const meter = createTaskMeter(spec.task, spec.taskParams);
  const agreement = new AgreementMeter();
  const emd = new EmdMeter();
  let latencyBatch: Record<string, Tensor> | undefined;
  try {
    let i = 0;
    for await (const batch of feedBatches(evalSpec, feed.inputs, { batchSize: batchSizeOf(feed), where: 'Global.eval_data' })) {
      if (!latencyBatch && isFullBatch(batch, feed.inputs)) latencyBatch = batch.inputs;
      const [t, s] = [await teacher.session.run(batch.inputs, [teacher.feed.output!]), await student.session.run(batch.inputs, [feed.output!])];
      const tOut = t[teacher.feed.output!];
      const sOut = s[feed.output!];
      // The companions (agreement, cosine, EMD) read float N×… scores: float16 decoded, an [N] output as [N, 1].
      const [tc, sc] = [companionView(tOut), companionView(sOut)];
      agreement.update(tc, sc);
      emd.update(tc, sc);
      meter.update(sOut, tOut, batch.labels);
      beat({ stage: 'validate', batch: i++ });
    }
  } finally {
    await Promise.all([teacher.session.release(), student.session.release()]);
  }
  if (agreement.value().samples === 0) throw new SlimflowError('INVALID_DATA', 'the evaluation set is empty', 'Global.eval_data');
  const task = meter.result();
  return { feed, task, accuracy: task.labeled ? task.score : null, agreement: agreement.value(), emd: emd.value(), latencyBatch };
}

/** A model output as the companion metrics read it: float32/64 values, samples first, at least two axes. */
function companionView(t: Tensor): Tensor {
  const dims = t.dims.length < 2 ? [t.dims[0] ?? 1, 1] : t.dims;
  if (t.dtype === 'float32' || t.dtype === 'float64') return t.dims === dims ? t : { ...t, dims };
  return { dtype: 'float32', dims, data: Float32Array.from(floatsOf(t, 'Global.output')) };
}

/** A latency batch of the feed's shapes: the first full real batch when the data had one, else a constant one per dtype. */
const latencyFeed = (feed: Feed, real?: Record<string, Tensor>): Record<string, Tensor> => real ?? syntheticFeed(feed.inputs);

/** The spec with `shapes` (the candidate's recorded ones) when its port gives none. */
function withShapes(spec: InputSpec, shapes: Record<string, number[]> | undefined): InputSpec {
  const r = spec.request;
  if (!shapes || Object.keys(r.inputs).length > 0 || r.single) return spec;
  return { ...spec, request: { ...r, inputs: shapes, where: 'input (the baseline candidate\'s shapes)' } };
}

/** validateCandidate and estimateLatency: measured figures of one model. */
export function createValidationActivities(deps: ActivityDeps) {
  return {
    async validateCandidate(input: { model: ArtifactRef; teacher: ArtifactRef; eval: unknown; label?: string; config?: unknown; input?: unknown }): Promise<ValidationResult> {
      return asActivity(async () => {
        const spec = inputSpec(input.input);
        const studentBytes = await deps.store.read(input.model);
        const label = input.label ?? input.model.sha256.slice(0, 8);
        const result = await evaluate(await deps.store.read(input.teacher), studentBytes, input.eval, spec, label, scoredBySimulation(input.config));
        beat({ stage: 'latency' });
        const latency = await measureLatency(studentBytes, latencyFeed(result.feed, result.latencyBatch), { threads: spec.threads });
        const candidate: Candidate = {
          label,
          model: input.model,
          accuracy: result.accuracy,
          score: result.task.score,
          metric: result.task.metric,
          inputShapes: Object.fromEntries(result.feed.inputs.map((i) => [i.name, i.shape])),
          agreement: result.agreement.top1,
          cosine: result.agreement.cosine,
          emd: result.emd,
          latencyMs: latency.medianMs,
          sizeBytes: input.model.bytes,
          ...(input.config !== undefined ? { config: input.config } : {}),
        };
        return { candidate, accuracy: candidate.accuracy, agreement: candidate.agreement, latencyMs: candidate.latencyMs, sizeBytes: candidate.sizeBytes };
      });
    },

    /** Time baseline, reference and candidates side by side (interleaved rounds); the latencies a report compares. */
    async compareLatency(input: { baseline: Candidate; reference?: Candidate | null; candidates: Candidate[]; input?: unknown }) {
      return asActivity(async () => {
        const spec = inputSpec(input.input);
        const all = [input.baseline, ...(input.reference ? [input.reference] : []), ...input.candidates];
        const models = await Promise.all(all.map((c) => deps.store.read(c.model)));
        // Every candidate takes the baseline's inputs: one feed, bound to the baseline's graph.
        // Without shapes in the port, the batch shapes the baseline was validated at.
        const feed = feedForModel(decodeModel(models[0], 'baseline'), withShapes(spec, input.baseline.inputShapes));
        // A timing once recorded decides: a retried attempt (its worker died after measuring) answers
        // with the recorded medians instead of measuring again and perhaps picking the other model.
        const recordKey = timingRecordKey(all, spec.threads, feed.inputs);
        const recorded = recordKey ? await deps.store.lookup<{ medianMs: number; noiseMs?: number }[]>(recordKey) : undefined;
        const results = recorded ?? await compareLatency(models, latencyFeed(feed), {
          threads: spec.threads,
          onRound: (round) => beat({ stage: 'compareLatency', round }),
        });
        if (recordKey && !recorded) await deps.store.record(recordKey, results.map((r) => ({ medianMs: r.medianMs, noiseMs: r.noiseMs })));
        // This timing's figures replace what the candidates carried (an earlier timing's noise and choice).
        const timed = all.map(({ latencyNoiseMs: _n, selection: _s, ...c }, i) => ({
          ...c, latencyMs: results[i].medianMs, ...(typeof results[i].noiseMs === 'number' ? { latencyNoiseMs: results[i].noiseMs } : {}),
        }));
        const baseline = timed.shift()!;
        const reference = input.reference ? timed.shift()! : null;
        // `all`: what a selection may choose from, the lossless reference included.
        return { baseline, reference, candidates: timed, all: [...(reference ? [reference] : []), ...timed] };
      });
    },

    /** Predicted from a latency table (`table` input or SLIMFLOW_LATENCY_TABLE); measured when there is none. */
    async estimateLatency(input: { model: ArtifactRef; input?: unknown; threads?: number; table?: string }) {
      return asActivity(async () => {
        const spec = inputSpec(input.input);
        const threads = input.threads ?? spec.threads;
        const bytes = await deps.store.read(input.model);
        const feed = feedForModel(decodeModel(bytes, 'model'), spec);
        return predictOrMeasure(bytes, { table: input.table, inputs: feed.inputs, threads });
      });
    },
  };
}
