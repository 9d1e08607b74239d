import { describe, expect, it } from 'vitest';
import { baseTrial, ptqTrials, trialLabel } from '../../../../core/config/compile';
import { parseJobConfig } from '../../../../core/config/load';
import { attr, makeNode } from '../../../../core/onnx/graph';
import { Model } from '../../../../core/onnx/proto';
import { floatTensorProto, tensorToFloat32 } from '../../../../core/onnx/tensor-data';
import { applyBiasCorrection, biasCorrectionObserver } from '../../../../core/quant/bias-correction';
import { quantizeModel, QuantizeOptions } from '../../../../core/quant/ptq';
import { quantizeOptionsFor } from '../../../../core/quant/trial-options';
import { weightRoundingNames } from '../../../../core/quant/weight-rounding';
import { buildSearchSpace, enumerateSpace, toTrialConfig } from '../../../../core/search/space';
import { floatTensor, Tensor } from '../../../../core/tensor';
import { gaussian, rng, runOnce } from '../calibration-fixtures';

const [N, C, H, W] = [4, 6, 10, 10];

/** Conv 3×3 → Relu → Conv 1×1 → Relu → global pool → MatMul: every layer kind AdaRound learns. */
function tinyNet(): Model {
  const r = rng(3);
  // A few large weights per tensor make per-tensor steps coarse, so the rounding choice matters.
  const weight = (n: number, big: number) => Float32Array.from({ length: n }, (_, i) => (i % big === 0 ? 2.5 : r() - 0.5));
  const nodes = [
    makeNode('Conv', ['x', 'w1', 'b1'], ['c1'], 'conv1', [attr.ints('pads', [1, 1, 1, 1]), attr.ints('kernel_shape', [3, 3])]),
    makeNode('Relu', ['c1'], ['r1'], 'relu1'),
    makeNode('Conv', ['r1', 'w2', 'b2'], ['c2'], 'conv2'),
    makeNode('Relu', ['c2'], ['r2'], 'relu2'),
    makeNode('GlobalAveragePool', ['r2'], ['p'], 'pool'),
    makeNode('Flatten', ['p'], ['f'], 'flatten'),
    makeNode('MatMul', ['f', 'w3'], ['y'], 'fc'),
  ];
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: nodes,
      initializer: [
        floatTensorProto('w1', [8, C, 3, 3], weight(8 * C * 9, 97)), floatTensorProto('b1', [8], Float32Array.from({ length: 8 }, () => r() - 0.5)),
        floatTensorProto('w2', [12, 8, 1, 1], weight(96, 31)), floatTensorProto('b2', [12], Float32Array.from({ length: 12 }, () => r() - 0.5)),
        floatTensorProto('w3', [12, 5], weight(60, 23)),
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: C }, { dimValue: H }, { dimValue: W }] } } } }],
      output: [{ name: 'y' }],
      valueInfo: [],
    },
  };
}

/**
 * Image-like inputs: spatially smooth (box-blurred noise) and correlated across channels (a shared
 * plane), with a positive mean. With independent inputs nearest rounding is already close to
 * optimal; correlation is what lets a learned rounding cancel errors between weights.
 */
function batch(seed: number): Record<string, Tensor> {
  const z = gaussian(N * (C + 1) * H * W, seed);
  const smooth = new Float32Array(z.length);
  for (let p = 0; p < N * (C + 1); p++) {
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      let s = 0;
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) s += z[p * H * W + ((i + di + H) % H) * W + ((j + dj + W) % W)];
      smooth[p * H * W + i * W + j] = s / 3;
    }
  }
  const x = new Float32Array(N * C * H * W);
  for (let b = 0; b < N; b++) for (let c = 0; c < C; c++) for (let k = 0; k < H * W; k++) {
    x[(b * C + c) * H * W + k] = 0.3 + 0.7 * smooth[(b * (C + 1) + C) * H * W + k] + 0.4 * smooth[(b * (C + 1) + c) * H * W + k];
  }
  return { x: floatTensor(x, [N, C, H, W]) };
}
async function* batches(seeds: number[]): AsyncGenerator<Record<string, Tensor>> {
  for (const s of seeds) yield batch(s);
}

/** Mean squared difference between a model's output and the float model's on held-out batches. */
async function outputError(model: Model, reference: Model): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const seed of [101, 102, 103]) {
    const feed = { x: batch(seed).x as { data: Float32Array; dims: number[] } };
    const [a, b] = [await runOnce(model, feed), await runOnce(reference, feed)];
    for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
    count += a.length;
  }
  return sum / count;
}

const calibSeeds = Array.from({ length: 12 }, (_, i) => i + 1);
// 7-bit weights (the rule for CPUs without VNNI), chosen explicitly so that the test holds on any CPU.
const opts: QuantizeOptions = { calibrator: 'abs_max', weightQuantizer: 'abs_max', integerActivations: false, reduceRange: true };

describe('AdaRound in quantizeModel', () => {
  it('learns every layer, lowers each layer\'s error and the network\'s output error, and writes the learned integers', async () => {
    const near = await quantizeModel(tinyNet(), batches(calibSeeds), opts);
    const ada = await quantizeModel(tinyNet(), batches(calibSeeds), { ...opts, weightRounding: 'adaround', weightRoundingParams: { iterations: 400, reg_weight: 1, columns: 256 } });
    expect(near.report.rounding).toBeUndefined();
    const r = ada.report.rounding!;
    expect(r.layers.map((l) => l.layer)).toEqual(['conv1', 'conv2', 'fc']);
    for (const l of r.layers) expect(l.learnedLoss).toBeLessThanOrEqual(l.nearestLoss);
    expect(r.layers.every((l) => l.kept === 'learned')).toBe(true);
    expect(r.layers.reduce((s, l) => s + l.learnedLoss, 0)).toBeLessThan(0.5 * r.layers.reduce((s, l) => s + l.nearestLoss, 0));

    // The emitted int8 weights are the learned ones: each within one step of w/s, some not nearest.
    const int8 = (m: Model, name: string) => {
      const t = m.graph.initializer.find((u) => u.name === name)!;
      return new Int8Array(t.rawData!.buffer.slice(t.rawData!.byteOffset, t.rawData!.byteOffset + t.rawData!.byteLength));
    };
    const floatOf = { conv1: 'w1', conv2: 'w2', fc: 'w3' };
    let changed = 0;
    for (const [layer, wName] of Object.entries(floatOf)) {
      const [q, nq] = [int8(ada.model, `${layer}.weight_quantized`), int8(near.model, `${layer}.weight_quantized`)];
      const w = tensorToFloat32(tinyNet().graph.initializer.find((t) => t.name === wName)!);
      const scale = Math.max(...Array.from(w, Math.abs)) / 63;
      for (let i = 0; i < q.length; i++) {
        expect(Math.abs(q[i] - w[i] / scale)).toBeLessThan(1 + 1e-4);
        if (q[i] !== nq[i]) changed++;
      }
    }
    expect(changed).toBeGreaterThan(0);
    const reference = tinyNet();
    expect(await outputError(ada.model, reference)).toBeLessThan(await outputError(near.model, reference));
  });

  it('runs with bias correction, which folds the shift of the learned weights', async () => {
    const ada = await quantizeModel(tinyNet(), batches(calibSeeds.slice(0, 4)), { ...opts, biasCorrection: true, weightRounding: 'adaround', weightRoundingParams: { iterations: 50 } });
    expect(ada.report.biasCorrection!.corrected.map((c) => c.layer)).toEqual(['conv1', 'conv2']);
    expect(ada.report.rounding!.layers).toHaveLength(3);
    // Bias correction reads a mark's learned integers when it has them: with all of them zero, the shift is −W·μ.
    const model = tinyNet();
    const node = model.graph.node.find((n) => n.name === 'conv2')!;
    const mark = { node, activationInputs: [0], weight: { slot: 1, axis: undefined }, bias: 2, rounded: { q: new Int8Array(96), scales: Float32Array.of(1), dims: [12, 8, 1, 1] } };
    const observer = biasCorrectionObserver([mark]);
    observer.observe('r1', floatTensor(Float32Array.from({ length: 8 * 4 }, (_, i) => Math.floor(i / 4) + 1), [1, 8, 2, 2]));
    applyBiasCorrection(model.graph, [mark], observer, 63);
    const w2 = tensorToFloat32(tinyNet().graph.initializer.find((t) => t.name === 'w2')!);
    const [b2, corrected] = [tinyNet(), model].map((m) => tensorToFloat32(m.graph.initializer.find((t) => t.name === 'b2')!));
    for (let c = 0; c < 12; c++) {
      let wmu = 0;
      for (let i = 0; i < 8; i++) wmu += w2[c * 8 + i] * (i + 1);
      expect(corrected[c]).toBeCloseTo(b2[c] + wmu, 4);
    }
  });

  it('refuses an unknown rounding or bad parameters, naming them', async () => {
    await expect(quantizeModel(tinyNet(), batches([1]), { ...opts, weightRounding: 'stochastic' })).rejects.toThrow(/unknown weight rounding "stochastic"; known roundings: round, adaround/);
    await expect(quantizeModel(tinyNet(), batches([1]), { ...opts, weightRounding: 'adaround', weightRoundingParams: { beta_range: [20, 0.5] } })).rejects.toThrow(/bad parameters for weight rounding adaround/);
    await expect(quantizeModel(tinyNet(), batches([1]), { ...opts, weightRounding: 'adaround', weightRoundingParams: { iterations: 10, lambda: 1 } })).rejects.toThrow(/lambda/);
    expect(weightRoundingNames()).toEqual(['round', 'adaround']);
  });
});

describe('choosing AdaRound from a config', () => {
  const base = { Global: { model: '/m.onnx', input_shape: [8, 3, 48, 192], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 } } };

  it('QuantPost.round_type: adaround reaches quantizeModel', () => {
    const trial = baseTrial(parseJobConfig({ ...base, QuantPost: { round_type: 'adaround' } }));
    expect(trial.roundType).toBe('adaround');
    expect(trialLabel(trial)).toMatch(/adaround/);
    expect(quantizeOptionsFor(trial)).toMatchObject({ weightRounding: 'adaround', weightRoundingParams: {} });
    expect(quantizeOptionsFor(baseTrial(parseJobConfig({ ...base, QuantPost: {} }))).weightRounding).toBeUndefined();
    expect(() => parseJobConfig({ ...base, QuantPost: { round_type: 'stochastic' } })).toThrow(/round_type/);
  });

  it('HyperParameterOptimization.round_type is a grid and a search dimension', () => {
    const config = parseJobConfig({ ...base, QuantPost: { qdq_placement: 'conv-only' }, HyperParameterOptimization: { ptq_algo: ['abs_max'], round_type: ['round', 'adaround'], strategy: 'grid' } });
    expect(ptqTrials(config).map((t) => t.roundType ?? 'round')).toEqual(['round', 'adaround']);
    const space = buildSearchSpace({ ptq_algo: ['abs_max', 'mse'], weight_quantize_type: ['channel_wise_abs_max'], bias_correct: [false], round_type: ['round', 'adaround'] }, baseTrial(config));
    const trials = enumerateSpace(space).map((a) => toTrialConfig(space, a));
    expect(trials.map((t) => `${t.calibrator}/${t.roundType ?? 'round'}`)).toEqual(['abs_max/round', 'abs_max/adaround', 'mse/round', 'mse/adaround']);
  });
});
