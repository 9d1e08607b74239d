// The compiled job pipeline, run by the interpreter with scripted stages: when training runs, the
// trained student competes with the PTQ pick for model.onnx (timed side by side), and the same
// selection rule decides. No Temporal here; run-pipeline.test.ts covers the engine in a workflow.
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../core/config/compile';
import { parseJobConfig } from '../../core/config/load';
import { loadPipeline } from '../../core/pipeline';
import type { Candidate } from '../../core/pipeline/types';
import { interpretPipeline } from '../../workflows/interpreter';

const ref = (sha256: string) => ({ uri: `file:///fake/${sha256}.onnx`, sha256, bytes: 1, kind: 'model' as const });

const config = parseJobConfig({
  Global: {
    model: '/m.onnx', input_shape: [8, 3, 48, 192], output_dir: '/out',
    calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 },
    deploy: { max_accuracy_drop: 1 },
  },
  QuantPost: { algo: 'abs_max' },
  QuantAware: {},
});

/** Accuracy and latency of each fake model: the PTQ trial loses 5 points, so training runs. */
function scripted(trained: { accuracy: number; latencyMs: number }) {
  const figures: Record<string, { accuracy: number; latencyMs: number }> = {
    src: { accuracy: 90, latencyMs: 10 }, 'opt-src': { accuracy: 90, latencyMs: 8 }, int8: { accuracy: 85, latencyMs: 4 }, student: trained,
  };
  const published: Array<{ file: string; sha256: string }> = [];
  const cand = (sha256: string, label: string): Candidate => ({ label, model: ref(sha256), ...figures[sha256], agreement: figures[sha256].accuracy, cosine: 0.99, sizeBytes: 1 });
  const runStage = async (stage: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const model = input.model as { sha256: string } | undefined;
    switch (stage) {
      case 'importModel': return { model: ref('src') };
      case 'analyzeGraph': return { analysis: { family: 'cnn', layers: [] } };
      case 'cloneTeacher': return { teacher: ref('teacher') };
      case 'optimizeGraph': return { model: ref('opt-src') };
      case 'ptqTrial': return { model: ref('int8'), trialKey: 'k', label: 'int8 abs_max', calibration: {}, trial: { model: ref('int8'), label: 'int8 abs_max', config: input.ptq } };
      case 'validateCandidate': {
        const c = cand(model!.sha256, String(input.label));
        return { candidate: c, accuracy: c.accuracy, agreement: c.agreement, latencyMs: c.latencyMs, sizeBytes: 1 };
      }
      case 'compareLatency': {
        const cs = input.candidates as Candidate[];
        return { baseline: input.baseline, reference: input.reference ?? null, candidates: cs, all: [...(input.reference ? [input.reference] : []), ...cs] };
      }
      case 'trainStrategy': return { model: ref('student'), candidate: cand('student', 'qat train-epoch-2'), history: [], stoppedBy: 'epochs' };
      case 'publishModel': {
        published.push({ file: String(input.file ?? 'model.onnx'), sha256: model!.sha256 });
        return { path: `/out/${String(input.file ?? 'model.onnx')}` };
      }
      default: throw new Error(`unscripted stage ${stage}`);
    }
  };
  return { runStage, published };
}

const run = async (trained: { accuracy: number; latencyMs: number }) => {
  const s = scripted(trained);
  const result = await interpretPipeline(loadPipeline(compileConfig(config)), { model: '/m.onnx', calib: config.Global.calibration_data }, { runStage: s.runStage });
  const out = result.outputs as { best: Candidate; final: Candidate | null; finalPath: string | null; finalTiming: Candidate[] | null };
  // What stays as model.onnx is whatever was published there last.
  const modelOnnx = s.published.filter((p) => p.file === 'model.onnx').at(-1)!.sha256;
  return { out, modelOnnx, published: s.published };
};

describe('the trained student competes for model.onnx', () => {
  it('wins when it is within tolerance and faster than the PTQ pick (the FP32 rewrite here)', async () => {
    const { out, modelOnnx, published } = await run({ accuracy: 89.5, latencyMs: 5 });
    expect(out.best.model.sha256).toBe('opt-src'); // PTQ lost 5 points: the lossless rewrite was picked first
    expect(out.finalTiming!.map((c) => c.model.sha256)).toEqual(['opt-src', 'student']);
    expect(out.final!.model.sha256).toBe('student');
    expect(modelOnnx).toBe('student');
    expect(published.map((p) => p.file)).toEqual(expect.arrayContaining(['trained.onnx', 'model.onnx']));
  });

  it('loses when it misses the tolerance, however fast', async () => {
    const { out, modelOnnx } = await run({ accuracy: 88, latencyMs: 2 });
    expect(out.final!.model.sha256).toBe('opt-src');
    expect(modelOnnx).toBe('opt-src');
  });

  it('loses when it is within tolerance but slower than the PTQ pick', async () => {
    const { out, modelOnnx } = await run({ accuracy: 90, latencyMs: 9 });
    expect(out.final!.model.sha256).toBe('opt-src');
    expect(modelOnnx).toBe('opt-src');
  });
});
