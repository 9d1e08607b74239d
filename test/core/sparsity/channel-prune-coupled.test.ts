import { describe, expect, it } from 'vitest';
import { graphNodeConfigs } from '../../../core/latency/estimate';
import { patternFeed } from '../../../core/latency/fixed-shape';
import { macs } from '../../../core/latency/signature';
import { attr, makeNode, readWeight, replaceWeight } from '../../../core/onnx/graph';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { Model, NodeProto, TensorProto } from '../../../core/onnx/proto';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { ModelSession } from '../../../core/runtime/session';
import { pruneChannels } from '../../../core/sparsity/channel-prune';
import { floatTensor } from '../../../core/tensor';
import { DET_MODEL, REC_MODEL, ppocrModel } from '../../fixtures/models';

const X = [1, 4, 6, 6];

/** Deterministic values in [-1, 1) (a linear congruential sequence), so the graphs are reproducible. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Conv weights [cout, cin, k, k] whose filters in `weak` are 100 times smaller (the ones pruning should take). */
function convWeight(name: string, cout: number, cin: number, k: number, seed: number, weak: number[] = []): TensorProto {
  const per = cin * k * k;
  const w = values(cout * per, seed).map((v, i) => (weak.includes(Math.floor(i / per)) ? v / 100 : v));
  return floatTensorProto(name, [cout, cin, k, k], w);
}

const conv = (name: string, x: string, k: number, extra: NodeProto['attribute'] = []) =>
  makeNode('Conv', [x, `${name}.w`, `${name}.b`], [name], name, [attr.ints('kernel_shape', [k, k]), attr.ints('pads', Array(4).fill(k >> 1)), ...extra]);
const bias = (name: string, n: number, seed: number) => floatTensorProto(`${name}.b`, [n], values(n, seed));

function model(nodes: NodeProto[], initializer: TensorProto[], outputs = ['c3']): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'coupled',
      node: nodes,
      initializer,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: X.map((d) => ({ dimValue: d })) } } } }],
      output: outputs.map((name) => ({ name })),
      valueInfo: [],
    },
  };
}

async function run(m: Model): Promise<Float32Array> {
  const s = await ModelSession.create(encodeModel(m));
  try {
    return Object.values(await s.run({ x: floatTensor(values(X.reduce((a, b) => a * b, 1), 99), X) }))[0].data as Float32Array;
  } finally {
    await s.release();
  }
}

/**
 * The unpruned model with the input channels `removed` of each reader conv zeroed: what the pruned model
 * must compute exactly if every member of a group lost the same channels and every reader the matching slices.
 */
function withInputsZeroed(m: Model, removed: Record<string, number[]>): Model {
  const out = structuredClone(m);
  for (const [weight, channels] of Object.entries(removed)) {
    const w = readWeight(out.graph, weight)!;
    const per = w.dims.slice(2).reduce((a, b) => a * b, 1);
    for (let o = 0; o < w.dims[0]; o++) for (const c of channels) w.data.fill(0, (o * w.dims[1] + c) * per, (o * w.dims[1] + c + 1) * per);
    replaceWeight(out.graph, weight, w);
  }
  return out;
}

/** Channels of 0…n-1 not in `kept`. */
const removedOf = (n: number, kept: number[]) => Array.from({ length: n }, (_, i) => i).filter((i) => !kept.includes(i));

const expectClose = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
};

/** x → c1 → Relu ┐ Add → depthwise → ·per-channel scale → c3;  x → c2 ┘ (a residual pair). */
function residual(outputs = ['c3']): Model {
  return model([
    conv('c1', 'x', 3), makeNode('Relu', ['c1'], ['r1'], 'r1'),
    conv('c2', 'x', 1), makeNode('Add', ['r1', 'c2'], ['s'], 'add'),
    conv('dw', 's', 3, [attr.int('group', 8)]), makeNode('Mul', ['dw', 'scale'], ['m'], 'scale'),
    conv('c3', 'm', 1),
  ], [
    // Channel 1 is weak in both convs; 6 only in c1, 2 only in c2.
    convWeight('c1.w', 8, 4, 3, 1, [1, 6]), bias('c1', 8, 2), convWeight('c2.w', 8, 4, 1, 3, [1, 2]), bias('c2', 8, 4),
    convWeight('dw.w', 8, 1, 3, 5), bias('dw', 8, 6), floatTensorProto('scale', [8, 1, 1], values(8, 7)),
    convWeight('c3.w', 3, 8, 1, 8), bias('c3', 3, 9),
  ], outputs);
}

describe('coupled channel pruning', () => {
  it('prunes a residual pair with the same indices, and the depthwise conv and per-channel constant after it', async () => {
    const base = residual();
    const { model: pruned, report } = pruneChannels(base, 0.25, { align: 1, coupled: true });
    const removed = removedOf(8, report.kept.c1);
    expect(removed).toHaveLength(2);
    expect(removed).toContain(1);
    expect(report.kept.c2).toEqual(report.kept.c1);
    expect(report.kept.dw).toEqual(report.kept.c1);
    expect(readWeight(pruned.graph, 'dw.w')!.dims).toEqual([6, 1, 3, 3]);
    expect(readWeight(pruned.graph, 'scale')!.dims).toEqual([6, 1, 1]);
    expect(readWeight(pruned.graph, 'c3.w')!.dims).toEqual([3, 6, 1, 1]);
    // Fails if c1 and c2 had lost different channels: the sum would then mix unrelated channels.
    expectClose(await run(pruned), await run(withInputsZeroed(base, { 'c3.w': removed })));
  });

  it('prunes each concat input on its own and slices the reader at the concat offsets', async () => {
    const base = model([
      conv('c1', 'x', 3), makeNode('Relu', ['c1'], ['r1'], 'r1'), conv('c2', 'x', 1),
      makeNode('Concat', ['r1', 'c2'], ['cat'], 'cat', [attr.int('axis', 1)]), conv('c3', 'cat', 3),
    ], [convWeight('c1.w', 8, 4, 3, 1, [0, 1]), bias('c1', 8, 2), convWeight('c2.w', 8, 4, 1, 3, [6, 7]), bias('c2', 8, 4), convWeight('c3.w', 3, 16, 3, 5), bias('c3', 3, 6)]);
    const { model: pruned, report } = pruneChannels(base, 0.25, { align: 1, coupled: true });
    expect(report.kept.c1).toEqual([2, 3, 4, 5, 6, 7]);
    expect(report.kept.c2).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readWeight(pruned.graph, 'c3.w')!.dims).toEqual([3, 12, 3, 3]);
    expectClose(await run(pruned), await run(withInputsZeroed(base, { 'c3.w': [0, 1, 14, 15] })));
  });

  it('prunes an SE gate with the map it gates: the last SE conv loses filters, the first its inputs', async () => {
    const base = model([
      conv('c1', 'x', 3), makeNode('GlobalAveragePool', ['c1'], ['gap'], 'gap'), conv('s1', 'gap', 1), makeNode('Relu', ['s1'], ['sr'], 'sr'),
      conv('s2', 'sr', 1), makeNode('HardSigmoid', ['s2'], ['gate'], 'gate'), makeNode('Mul', ['c1', 'gate'], ['m'], 'mul'), conv('c3', 'm', 1),
    ], [convWeight('c1.w', 8, 4, 3, 1, [3, 5]), bias('c1', 8, 2), convWeight('s1.w', 4, 8, 1, 3), bias('s1', 4, 4), convWeight('s2.w', 8, 4, 1, 5), bias('s2', 8, 6), convWeight('c3.w', 3, 8, 1, 7), bias('c3', 3, 8)]);
    const { model: pruned, report } = pruneChannels(base, 0.25, { align: 1, coupled: true });
    expect(report.kept.c1).toEqual([0, 1, 2, 4, 6, 7]);
    expect(report.kept.s2).toEqual(report.kept.c1);
    expect(readWeight(pruned.graph, 's1.w')!.dims[1]).toBe(6);
    expect(readWeight(pruned.graph, 'c3.w')!.dims).toEqual([3, 6, 1, 1]);
    // s1 is a group of its own (4 → 3 filters, so s2 loses an input too).
    const s1Removed = removedOf(4, report.kept.s1);
    expect(s1Removed).toHaveLength(1);
    expectClose(await run(pruned), await run(withInputsZeroed(base, { 's1.w': [3, 5], 's2.w': s1Removed, 'c3.w': [3, 5] })));
  });

  it('keeps a group whole when any member reaches a graph output or a protected tensor, and uncoupled leaves pairs alone', () => {
    const whole = (m: Model) => readWeight(m.graph, 'c1.w')!.dims[0] === 8 && readWeight(m.graph, 'c2.w')!.dims[0] === 8;
    expect(whole(pruneChannels(residual(), 0.25, { align: 1, coupled: true }).model)).toBe(false);
    expect(whole(pruneChannels(residual(['c3', 'm']), 0.25, { align: 1, coupled: true }).model)).toBe(true);
    const protectedRun = pruneChannels(residual(), 0.25, { align: 1, coupled: true, protect: ['r1'] });
    expect(whole(protectedRun.model)).toBe(true);
    expect(protectedRun.report.kept).toEqual({});
    expect(whole(pruneChannels(residual(), 0.25, { align: 1, coupled: false }).model)).toBe(true);
  });

  it('makes the real detector run in onnxruntime with fewer MACs than the uncoupled pruner', async () => {
    const det = prepareModel(readModel(ppocrModel(DET_MODEL)), { convTransposeToConv: false }).model;
    const shape = { x: [1, 3, 320, 320] };
    const mmacs = (m: Model) => graphNodeConfigs(prepareModel(m).model.graph, shape).nodes.reduce((s, n) => s + macs(n.config), 0) / 1e6;
    const coupled = pruneChannels(det, 0.3);
    const uncoupled = pruneChannels(det, 0.3, { coupled: false });
    expect(mmacs(coupled.model)).toBeLessThan(0.95 * mmacs(uncoupled.model));
    expect(mmacs(uncoupled.model)).toBeLessThan(mmacs(det));
    // The FPN's residual sums and SE gates form one group: all its convs keep the same channels.
    expect(coupled.report.kept['conv2d_476.tmp_0']).toEqual(coupled.report.kept['conv2d_473.tmp_0']);
    expect(coupled.report.kept['conv2d_475.tmp_0']).toEqual(coupled.report.kept['conv2d_473.tmp_0']);
    const s = await ModelSession.create(encodeModel(coupled.model));
    try {
      expect(Object.values(await s.run(patternFeed(shape)))[0].dims).toEqual([1, 1, 320, 320]);
    } finally {
      await s.release();
    }
  }, 60_000);

  it('couples by default for detectors only: the recognizer is pruned as by the uncoupled pruner', () => {
    const rec = prepareModel(readModel(ppocrModel(REC_MODEL))).model;
    // Byte comparison (a deep toEqual over 10 MB takes a minute).
    const same = (a: Model, b: Model) => Buffer.from(encodeModel(a)).equals(Buffer.from(encodeModel(b)));
    const auto = pruneChannels(rec, 0.3).model;
    expect(same(auto, pruneChannels(rec, 0.3, { coupled: false }).model)).toBe(true);
    expect(same(auto, pruneChannels(rec, 0.3, { coupled: true }).model)).toBe(false);
  });
});
