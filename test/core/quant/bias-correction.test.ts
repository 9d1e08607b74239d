import { describe, expect, it } from 'vitest';
import { applyBiasCorrection, biasCorrectionObserver, LayerMark } from '../../../core/quant/bias-correction';
import { attr, makeNode, readWeight } from '../../../core/onnx/graph';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { quantizeWeightInt8 } from '../../../core/quant/weights';
import { floatTensor } from '../../../core/tensor';
import { getWeightQuantizer, weightQuantizerNames } from '../../../core/quant/weight-quantizers';
import { rng, runOnce, singleNodeModel } from './calibration-fixtures';

// Large enough images that zero padding (which bias correction ignores) hardly moves the means.
const [N, CIN, COUT, H, W] = [2, 6, 5, 32, 32];

function convLayer(seed: number) {
  const r = rng(seed);
  // One large weight per tensor makes per-tensor 4-bit-like steps coarse, so rounding leaves a clear mean shift.
  const w = Float32Array.from({ length: COUT * CIN * 9 }, (_, i) => (i === 0 ? 3 : r() - 0.5));
  const b = Float32Array.from({ length: COUT }, () => r() - 0.5);
  const node = makeNode('Conv', ['x', 'w', 'b'], ['y'], 'conv', [attr.ints('pads', [1, 1, 1, 1]), attr.ints('kernel_shape', [3, 3])]);
  const model = singleNodeModel(node, { x: [N, CIN, H, W] }, [floatTensorProto('w', [COUT, CIN, 3, 3], w), floatTensorProto('b', [COUT], b)]);
  return { model, node, w };
}

/** Positive inputs with a per-channel mean, like post-ReLU activations. */
function inputs(seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: N * CIN * H * W }, (_, i) => r() * (1 + (Math.floor(i / (H * W)) % CIN)));
}

/** Mean over positions of (quantized − float) output per channel. */
function meanShift(yq: Float32Array, y: Float32Array): number[] {
  const shift = new Array(COUT).fill(0);
  for (let i = 0; i < y.length; i++) shift[Math.floor(i / (H * W)) % COUT] += (yq[i] - y[i]) / (N * H * W);
  return shift;
}

describe('bias correction', () => {
  it('removes the mean output shift of a per-tensor quantized conv', async () => {
    const { model, node } = convLayer(1);
    const mark: LayerMark = { node, activationInputs: [0], weight: { slot: 1, axis: undefined }, bias: 2 };
    const qmax = 15;
    const observer = biasCorrectionObserver([mark]);
    expect(observer.tensors).toEqual(['x']);
    const calib = [inputs(2), inputs(3)];
    for (const x of calib) observer.observe('x', floatTensor(x, [N, CIN, H, W]));

    const floatW = readWeight(model.graph, 'w')!;
    const qw = quantizeWeightInt8(floatW, undefined, qmax);
    const dequant = floatTensorProto('w', floatW.dims, Float32Array.from(qw.q, (v) => v * qw.scales[0]));
    const quantModel = structuredClone(model);
    quantModel.graph.initializer[0] = dequant;

    const held = inputs(9);
    const feed = { x: { data: held, dims: [N, CIN, H, W] } };
    const y = await runOnce(model, feed);
    const before = meanShift(await runOnce(quantModel, feed), y);

    // Correct the float model (as ptq does before emitting Q/DQ), then run it with the quantized weights.
    const corrected = structuredClone(model);
    const report = applyBiasCorrection(corrected.graph, [{ ...mark, node: corrected.graph.node[0] }], observer, qmax);
    corrected.graph.initializer[0] = dequant;
    const after = meanShift(await runOnce(corrected, feed), y);

    expect(report.corrected).toHaveLength(1);
    const worst = (v: number[]) => Math.max(...v.map(Math.abs));
    expect(worst(before)).toBeGreaterThan(0.02);
    expect(worst(after)).toBeLessThan(worst(before) / 5);
  });

  it('skips layers without a bias, saying why', () => {
    const node = makeNode('MatMul', ['x', 'w'], ['y'], 'mm');
    const model = singleNodeModel(node, { x: [2, 3] }, [floatTensorProto('w', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6))]);
    const mark: LayerMark = { node, activationInputs: [0], weight: { slot: 1, axis: 1 } };
    const obs = biasCorrectionObserver([mark]);
    obs.observe('x', floatTensor(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]));
    expect([...obs.mean('x')!]).toEqual([2.5, 3.5, 4.5]);
    const report = applyBiasCorrection(model.graph, [mark], obs, 127);
    expect(report.skipped).toEqual([{ layer: 'mm', reason: expect.stringMatching(/no bias/) }]);
  });
});

describe('weight quantizers', () => {
  it('are selectable by ACT name and list the known ones for an unknown name', () => {
    expect(weightQuantizerNames()).toEqual(['channel_wise_abs_max', 'abs_max']);
    expect(getWeightQuantizer('channel_wise_abs_max').perChannel).toBe(true);
    expect(getWeightQuantizer('abs_max').perChannel).toBe(false);
    expect(() => getWeightQuantizer('kl')).toThrow(/known weight quantizers: channel_wise_abs_max, abs_max/);
  });
});
