import { ArtifactRef } from '../core/artifacts/store';
import { iterateBatches } from '../core/data';
import { SlimflowError } from '../core/errors';
import { AgreementMeter, createTaskMetric, EmdMeter } from '../core/metrics';
import { predictOrMeasure } from '../core/latency/service';
import { measureLatency } from '../core/runtime/latency';
import { compareLatency } from '../core/runtime/compare-latency';
import { ModelSession } from '../core/runtime/session';
import { Tensor } from '../core/tensor';
import type { Candidate } from '../core/pipeline/types';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { InputSpec, inputSpec } from './input-spec';

export interface ValidationResult {
  candidate: Candidate;
  accuracy: number | null;
  agreement: number;
  latencyMs: number;
  sizeBytes: number;
}

async function openChecked(bytes: Uint8Array, feed: InputSpec, label: string, simulated = false): Promise<ModelSession> {
  // 'basic' stops before onnxruntime fuses DQ → op → Q into integer kernels.
  const s = await ModelSession.create(bytes, { threads: feed.threads, ...(simulated ? { graphOptimization: 'basic' as const } : {}) }, label);
  if (!s.inputNames.includes(feed.name)) {
    await s.release();
    throw new SlimflowError('SHAPE_MISMATCH', `model has no input named "${feed.name}"; its inputs are ${s.inputNames.join(', ')}`, 'Global.input_name');
  }
  return s;
}

/** The task named in the `input` port (compiled from Global.task); older pipelines without it measured top-1. */
function taskOf(raw: unknown): string {
  const task = (raw as { task?: unknown } | undefined)?.task;
  return typeof task === 'string' ? task : 'classification';
}

/**
 * A model for the TensorRT preset is scored as TensorRT computes it: its Q/DQ run as float ops (exact
 * int8 arithmetic) instead of onnxruntime's CPU integer kernels, whose u8·s8 pair sums saturate with
 * full-range weights on AVX2 (cls agreement 93% fused, 98–100% simulated, at the same model).
 */
const scoredBySimulation = (config: unknown) => (config as { backend?: unknown } | undefined)?.backend === 'tensorrt';

/** Run teacher and student over the evaluation set: the task metric (when labeled), agreement, and a latency batch. */
async function evaluate(teacherBytes: Uint8Array, studentBytes: Uint8Array, evalSpec: unknown, feed: InputSpec, label: string, task: string, simulated = false) {
  const teacher = await openChecked(teacherBytes, feed, 'teacher');
  const student = await openChecked(studentBytes, feed, label, simulated);
  const metric = createTaskMetric(task);
  const agreement = new AgreementMeter();
  const emd = new EmdMeter();
  let latencyBatch: Tensor | undefined;
  let labeled = true;
  try {
    let i = 0;
    for await (const batch of iterateBatches(evalSpec, { batchSize: feed.shape[0], inputName: feed.name })) {
      const x = batch.inputs[feed.name];
      if (!latencyBatch && x.dims.every((d, k) => d === feed.shape[k])) latencyBatch = x;
      const [t, s] = [await teacher.run(batch.inputs), await student.run(batch.inputs)];
      const tOut = t[teacher.outputNames[0]];
      const sOut = s[student.outputNames[0]];
      agreement.update(tOut, sOut);
      emd.update(tOut, sOut);
      if (batch.labels) metric.update(sOut, batch.labels);
      else labeled = false;
      beat({ stage: 'validate', batch: i++ });
    }
  } finally {
    await Promise.all([teacher.release(), student.release()]);
  }
  if (agreement.value().samples === 0) throw new SlimflowError('INVALID_DATA', 'the evaluation set is empty', 'eval');
  return { accuracy: labeled ? metric.value() : null, agreement: agreement.value(), emd: emd.value(), latencyBatch };
}

/** A latency batch of the configured shape: a real one when the data had it, else a constant one. */
function latencyFeed(feed: InputSpec, real?: Tensor): Record<string, Tensor> {
  const size = feed.shape.reduce((a, b) => a * b, 1);
  return { [feed.name]: real ?? { dtype: 'float32', dims: feed.shape, data: new Float32Array(size).fill(0.1) } };
}

/** validateCandidate and estimateLatency: measured figures of one model. */
export function createValidationActivities(deps: ActivityDeps) {
  return {
    async validateCandidate(input: { model: ArtifactRef; teacher: ArtifactRef; eval: unknown; label?: string; config?: unknown; input?: unknown }): Promise<ValidationResult> {
      return asActivity(async () => {
        const feed = inputSpec(input.input);
        const studentBytes = deps.store.read(input.model);
        const label = input.label ?? input.model.sha256.slice(0, 8);
        const result = await evaluate(deps.store.read(input.teacher), studentBytes, input.eval, feed, label, taskOf(input.input), scoredBySimulation(input.config));
        beat({ stage: 'latency' });
        const latency = await measureLatency(studentBytes, latencyFeed(feed, result.latencyBatch), { threads: feed.threads });
        const candidate: Candidate = {
          label,
          model: input.model,
          accuracy: result.accuracy,
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
        const feed = inputSpec(input.input);
        const all = [input.baseline, ...(input.reference ? [input.reference] : []), ...input.candidates];
        const results = await compareLatency(all.map((c) => deps.store.read(c.model)), latencyFeed(feed), {
          threads: feed.threads,
          onRound: (round) => beat({ stage: 'compareLatency', round }),
        });
        const timed = all.map((c, i) => ({ ...c, latencyMs: results[i].medianMs }));
        const baseline = timed.shift()!;
        const reference = input.reference ? timed.shift()! : null;
        // `all`: what a selection may choose from, the lossless reference included.
        return { baseline, reference, candidates: timed, all: [...(reference ? [reference] : []), ...timed] };
      });
    },

    /** Predicted from a latency table (`table` input or SLIMFLOW_LATENCY_TABLE); measured when there is none. */
    async estimateLatency(input: { model: ArtifactRef; input?: unknown; threads?: number; table?: string }) {
      return asActivity(async () => {
        const feed = inputSpec(input.input);
        const threads = input.threads ?? feed.threads;
        return predictOrMeasure(deps.store.read(input.model), { table: input.table, inputName: feed.name, shape: feed.shape, threads });
      });
    },
  };
}
