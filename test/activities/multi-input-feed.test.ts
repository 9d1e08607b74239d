// A two-input encoder (int64 token ids and mask) fed from npz/npy data through the activities, end to
// end: validated with the embedding metric on the configured output, timed, estimated, calibrated and
// quantized, its sensitivity measured; and the feed errors a user meets, each naming input and key.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPtqActivities } from '../../activities/ptq-trial';
import { createSensitivityActivities } from '../../activities/sensitivity';
import { createTrainActivities } from '../../activities/train-epoch';
import { createValidationActivities } from '../../activities/validate-candidate';
import { ArtifactRef, LocalArtifactStore } from '../../core/artifacts/store';
import { checkFeed } from '../../core/config/check-feed';
import { parseJobConfig } from '../../core/config/load';
import { writeNpy } from '../../core/data';
import { encoder, SEQ, tokens, values, writeNpz } from '../fixtures/encoder';
import { SlimflowError } from '../../core/errors';
import { attr, makeNode } from '../../core/onnx/graph';
import { decodeModel, encodeModel } from '../../core/onnx/model-io';
import { Model } from '../../core/onnx/proto';
import { int64TensorProto } from '../../core/onnx/tensor-data';

/** The SlimflowError (or the activity failure wrapping one) a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<{ message: string; path?: string; code?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { message: string; path?: string; code?: string; type?: string; details?: { path?: string }[] };
    return { message: err.message, path: err.path ?? err.details?.[0]?.path, code: err.code ?? err.type };
  }
  throw new Error('expected a rejection');
}

describe('a two-input int64 encoder fed through the activities', () => {
  let dir: string;
  let store: LocalArtifactStore;
  let model: ArtifactRef;
  let modelPath: string;
  const port = { inputs: { input_ids: [4, SEQ], attention_mask: [4, SEQ] }, output: 'sentence_embedding', threads: 1, task: 'embedding' };
  let calib: unknown;
  let evalSet: unknown;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-feed-'));
    store = new LocalArtifactStore(path.join(dir, 'store'));
    const bytes = encodeModel(encoder());
    modelPath = path.join(dir, 'encoder.onnx');
    fs.writeFileSync(modelPath, bytes);
    // Awaited: the store may answer synchronously or asynchronously.
    model = await store.put(bytes, 'model', 'onnx');
    writeNpz(path.join(dir, 'calib.npz'), tokens(16, 3));
    // Evaluation data as a folder of <input name>.npy.
    fs.mkdirSync(path.join(dir, 'eval'));
    for (const [name, t] of Object.entries(tokens(12, 5))) fs.writeFileSync(path.join(dir, 'eval', `${name}.npy`), writeNpy(t));
    calib = { kind: 'npz', files: [path.join(dir, 'calib.npz')] };
    evalSet = { kind: 'npy', dir: path.join(dir, 'eval') };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validates FP32 against itself on the configured output: the embedding metric scores 100, a real batch is timed', async () => {
    const { validateCandidate } = createValidationActivities({ store, threads: 1 });
    const r = await validateCandidate({ model, teacher: model, eval: evalSet, label: 'fp32', input: port });
    expect(r.candidate.metric).toMatch(/cosine/);
    expect(r.candidate.score).toBeCloseTo(100, 4);
    // Unlabeled data: the task metric is against the teacher, and there is no labeled accuracy.
    expect(r.accuracy).toBeNull();
    expect(r.latencyMs).toBeGreaterThan(0);
  });

  it('calibrates and quantizes from npz, validates the INT8 model, times it beside FP32 and estimates it', async () => {
    const { ptqTrial } = createPtqActivities({ store, threads: 1 });
    const trial = await ptqTrial({ model, calib, ptq: { calibrator: 'abs_max', batchSize: 4, batchNum: 4 }, input: port });
    expect(trial.calibration.quantizedNodes).toBeGreaterThan(0);
    const q = decodeModel(await store.read(trial.model));
    expect(q.graph.node.some((n) => n.opType === 'DequantizeLinear')).toBe(true);
    // The graph's inputs stay int64: quantization never touches the token inputs.
    expect(q.graph.input.map((i) => i.type?.tensorType?.elemType)).toEqual([7, 7]);

    const { validateCandidate, compareLatency, estimateLatency } = createValidationActivities({ store, threads: 1 });
    const fp32 = (await validateCandidate({ model, teacher: model, eval: evalSet, label: 'fp32', input: port })).candidate;
    const int8 = (await validateCandidate({ model: trial.model, teacher: model, eval: evalSet, label: trial.label, input: port })).candidate;
    expect(int8.metric).toBe(fp32.metric);
    expect(int8.score).toBeLessThanOrEqual(100 + 1e-9);
    // A linear map with 8-bit weights and activations stays close in direction (cosine > 0.9).
    expect(int8.score).toBeGreaterThan(90);

    const timed = await compareLatency({ baseline: fp32, candidates: [int8], input: port });
    expect(timed.baseline.latencyMs).toBeGreaterThan(0);
    expect(timed.candidates[0].latencyMs).toBeGreaterThan(0);
    const est = await estimateLatency({ model: trial.model, input: port });
    expect(est.latency.method).toBe('measured');
    expect(est.latencyMs).toBeGreaterThan(0);

    const { measureSensitivity } = createSensitivityActivities({ store, threads: 1 });
    const { layers } = await measureSensitivity({ model, quantized: trial.model, calib, input: port, batches: 2 });
    expect(layers.map((l) => l.layer)).toContain('project');
  });

  it('calibrates a graph exported with batch 1 in batches of 1, whatever the trial batch size', async () => {
    const one = await store.put(encodeModel(encoder(1)), 'model', 'onnx');
    const { ptqTrial } = createPtqActivities({ store, threads: 1 });
    const trial = await ptqTrial({ model: one, calib, ptq: { calibrator: 'abs_max', batchSize: 4, batchNum: 2 }, input: { ...port, inputs: { input_ids: [1, SEQ], attention_mask: [1, SEQ] } } });
    expect(trial.calibration.quantizedNodes).toBeGreaterThan(0);
  });

  it('reads batch shapes off the data when a hand-written pipeline gives none, and says what to give where there is no data', async () => {
    const { validateCandidate, compareLatency, estimateLatency } = createValidationActivities({ store, threads: 1 });
    const bare = { output: 'sentence_embedding', task: 'embedding' };
    const r = await validateCandidate({ model, teacher: model, eval: calib, input: bare });
    // The first sample's dims behind the default batch of 8.
    expect(r.candidate.inputShapes).toEqual({ input_ids: [8, SEQ], attention_mask: [8, SEQ] });
    const timed = await compareLatency({ baseline: r.candidate, candidates: [r.candidate], input: bare });
    expect(timed.baseline.latencyMs).toBeGreaterThan(0);
    const e = await rejection(estimateLatency({ model, input: bare }));
    expect(e.path).toBe('input');
    expect(e.message).toMatch(/no batch shapes, and model input "input_ids" has dynamic dims \[batch, sequence\]/);
  });

  it('reads the first graph output when Global.output is absent, and refuses an output the model lacks', async () => {
    const { validateCandidate } = createValidationActivities({ store, threads: 1 });
    const { output: _, ...firstOutput } = port;
    const r = await validateCandidate({ model, teacher: model, eval: evalSet, input: { ...firstOutput, task: 'generic' } });
    expect(r.candidate.score).toBeCloseTo(100, 3);
    const e = await rejection(validateCandidate({ model, teacher: model, eval: evalSet, input: { ...port, output: 'pooled' } }));
    expect(e.message).toMatch(/no output "pooled"; its outputs are hidden, sentence_embedding/);
    expect(e.path).toBe('Global.output');
  });

  it('trains on token inputs: the int64 ids and mask pass through, QAT exports a QDQ student', async () => {
    const { trainEpoch } = createTrainActivities({ store, threads: 1 });
    const r = await trainEpoch({ model, teacher: model, train: calib, config: { samples: 8, batchSize: 4, strategy: { kind: 'qat', params: { calibBatches: 2 } } }, input: port });
    expect(r.steps).toBe(2);
    expect(Number.isFinite(r.loss)).toBe(true);
    const student = decodeModel(await store.read(r.model));
    expect(student.graph.node.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
    expect(student.graph.input.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
  });

  describe('checkFeed: the preflight before any workflow starts', () => {
    const config = (global: Record<string, unknown>) => parseJobConfig({
      Global: { model: modelPath, task: 'embedding', output: 'sentence_embedding', inputs: { input_ids: { shape: [4, SEQ] }, attention_mask: { shape: [4, SEQ] } }, calibration_data: calib, ...global },
    });
    const failure = async (global: Record<string, unknown>): Promise<SlimflowError> => {
      try {
        await checkFeed(config(global));
      } catch (e) {
        if (e instanceof SlimflowError) return e;
        throw e;
      }
      throw new Error('expected checkFeed to fail');
    };

    it('binds the feed with the graph dtypes and reads one sample of each dataset', async () => {
      const r = await checkFeed(config({ eval_data: evalSet }));
      expect(r.feed.inputs).toEqual([{ name: 'input_ids', dtype: 'int64', shape: [4, SEQ] }, { name: 'attention_mask', dtype: 'int64', shape: [4, SEQ] }]);
      expect(r.feed.output).toBe('sentence_embedding');
      expect(r.datasets.map((d) => d.key)).toEqual(['Global.calibration_data', 'Global.eval_data']);
      expect(r.datasets[0].sample.input_ids).toEqual({ dtype: 'int64', dims: [1, SEQ] });
    });

    it('accepts a training section for token inputs (they pass through training)', async () => {
      const c = parseJobConfig({ ...{ Global: config({}).Global }, QuantAware: {} });
      const r = await checkFeed(c);
      expect(r.feed.inputs.map((i) => i.dtype)).toEqual(['int64', 'int64']);
    });

    it('names a dynamic graph input missing from Global.inputs', async () => {
      const e = await failure({ inputs: { input_ids: { shape: [4, SEQ] } } });
      expect(e.path).toBe('Global.inputs.attention_mask.shape');
      expect(e.message).toMatch(/input "attention_mask" has dynamic dims \[batch, sequence\]/);
    });

    it('names an input given with the wrong rank', async () => {
      const e = await failure({ inputs: { input_ids: { shape: [4, SEQ] }, attention_mask: { shape: [4, SEQ, 1] } } });
      expect(e.code).toBe('SHAPE_MISMATCH');
      expect(e.path).toBe('Global.inputs.attention_mask.shape');
    });

    it('names the input and the dataset key when the data has no array for it', async () => {
      const file = path.join(dir, 'ids-only.npz');
      writeNpz(file, { input_ids: tokens(4, 1).input_ids });
      const e = await failure({ calibration_data: { kind: 'npz', files: [file] } });
      expect(e.path).toBe('Global.calibration_data');
      expect(e.message).toMatch(/"attention_mask"/);
    });

    it('names the input and the dataset key when the data has the wrong element type', async () => {
      const file = path.join(dir, 'float-ids.npz');
      const t = tokens(4, 1);
      writeNpz(file, { input_ids: { dtype: 'float32', dims: [4, SEQ], data: new Float32Array(4 * SEQ).fill(0.5) }, attention_mask: t.attention_mask });
      const e = await failure({ calibration_data: { kind: 'npz', files: [file] } });
      expect(e.path).toBe('Global.calibration_data');
      expect(e.message).toMatch(/input "input_ids" takes int64, and the float32 data cannot be converted/);
    });

    it('names the input and the dataset key when the data has the wrong rank', async () => {
      const file = path.join(dir, 'rank3.npz');
      const t = tokens(4, 1);
      writeNpz(file, { input_ids: { ...t.input_ids, dims: [4, SEQ, 1] }, attention_mask: t.attention_mask });
      const e = await failure({ calibration_data: { kind: 'npz', files: [file] } });
      expect(e.path).toBe('Global.calibration_data');
      expect(e.message).toMatch(/input "input_ids"/);
    });
  });
});

/** float16 bits of a float (round to nearest even), for a float16 initializer. */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >> 16) & 0x8000;
  const exp = ((u >> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  const half = sign | (exp << 10) | (mant >> 13);
  return (mant >> 12) & 1 ? half + 1 : half;
}

describe('a float16 model with an [N] output, fed float32 data', () => {
  it('is validated on either output: data converted to float16, the companions read float16 and [N] outputs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-fp16-'));
    try {
      const store = new LocalArtifactStore(path.join(dir, 'store'));
      const w = Uint16Array.from(values(12, 5), toHalf);
      const model: Model = {
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'half',
          node: [makeNode('MatMul', ['x', 'w'], ['y'], 'project'), makeNode('ReduceSum', ['y', 'axis1'], ['s'], 'total', [attr.int('keepdims', 0)])],
          initializer: [{ name: 'w', dims: [4, 3], dataType: 10, rawData: new Uint8Array(w.buffer) }, int64TensorProto('axis1', [1], [1])],
          input: [{ name: 'x', type: { tensorType: { elemType: 10, shape: { dim: [{ dimParam: 'n' }, { dimValue: 4 }] } } } }],
          output: [{ name: 'y' }, { name: 's' }],
          valueInfo: [],
        },
      };
      const ref = await store.put(encodeModel(model), 'model', 'onnx');
      const data = path.join(dir, 'data.npz');
      writeNpz(data, { x: { dtype: 'float32', dims: [8, 4], data: values(32, 3) } });
      const { validateCandidate } = createValidationActivities({ store, threads: 1 });
      for (const output of ['y', 's']) {
        const r = await validateCandidate({ model: ref, teacher: ref, eval: { kind: 'npz', files: [data] }, input: { inputs: { x: [4, 4] }, output, task: 'generic' } });
        expect(r.candidate.score).toBeCloseTo(100, 3);
        expect(r.candidate.cosine).toBeCloseTo(100, 3);
        expect(r.candidate.inputShapes).toEqual({ x: [4, 4] });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('inputs of every integer type onnxruntime takes (int32, uint8, bool)', () => {
  it('are bound from the graph, fed from npz in their own types, and timed on a constant batch of 1s', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-dtypes-'));
    try {
      const store = new LocalArtifactStore(path.join(dir, 'store'));
      const dims = { dim: [{ dimParam: 'n' }, { dimValue: 3 }] };
      const model: Model = {
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'dtypes',
          node: [
            makeNode('Cast', ['a'], ['af'], 'cast_a', [attr.int('to', 1)]),
            makeNode('Cast', ['b'], ['bf'], 'cast_b', [attr.int('to', 1)]),
            makeNode('Cast', ['c'], ['cf'], 'cast_c', [attr.int('to', 1)]),
            makeNode('Add', ['af', 'bf'], ['ab'], 'add_ab'),
            makeNode('Add', ['ab', 'cf'], ['y'], 'add_c'),
          ],
          initializer: [],
          input: [['a', 6], ['b', 2], ['c', 9]].map(([name, elemType]) => ({ name: name as string, type: { tensorType: { elemType: elemType as number, shape: dims } } })),
          output: [{ name: 'y' }],
          valueInfo: [],
        },
      };
      const ref = await store.put(encodeModel(model), 'model', 'onnx');
      const file = path.join(dir, 'data.npz');
      writeNpz(file, {
        a: { dtype: 'int32', dims: [4, 3], data: Int32Array.from({ length: 12 }, (_, i) => i - 6) },
        b: { dtype: 'uint8', dims: [4, 3], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) },
        c: { dtype: 'bool', dims: [4, 3], data: Uint8Array.from({ length: 12 }, (_, i) => i % 2) },
      });
      const { validateCandidate, estimateLatency } = createValidationActivities({ store, threads: 1 });
      const port = { inputs: { a: [2, 3], b: [2, 3], c: [2, 3] }, task: 'generic' };
      const r = await validateCandidate({ model: ref, teacher: ref, eval: { kind: 'npz', files: [file] }, input: port });
      expect(r.candidate.score).toBeCloseTo(100, 6);
      // No table: measured on the synthesized feed of each input's type.
      const est = await estimateLatency({ model: ref, input: port });
      expect(est.latency.method).toBe('measured');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
