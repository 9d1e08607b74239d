import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../../../core/onnx/graph';
import { Model } from '../../../core/onnx/proto';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { chooseFloatLayers, layerSensitivity, quantizedLayers } from '../../../core/quant/sensitivity';
import { int8ForLatency, loadPpOcr } from '../../../core/latency/variants';
import { prepareModel } from '../../../core/onnx/prepare';
import { floatTensor, Tensor } from '../../../core/tensor';
import { rng } from './calibration-fixtures';

/** x → Gemm(a) → Gemm(b) → y with the given weights. */
function twoLayers(wa: Float32Array, wb: Float32Array): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'two',
      node: [makeNode('Gemm', ['x', 'wa'], ['h'], 'a', [attr.int('transB', 0)]), makeNode('Gemm', ['h', 'wb'], ['y'], 'b')],
      initializer: [floatTensorProto('wa', [4, 4], wa), floatTensorProto('wb', [4, 4], wb)],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 8 }, { dimValue: 4 }] } } } }],
      output: [{ name: 'y' }],
      valueInfo: [],
    },
  };
}

async function* data(): AsyncGenerator<Record<string, Tensor>> {
  const r = rng(4);
  for (let k = 0; k < 3; k++) yield { x: floatTensor(Float32Array.from({ length: 32 }, () => r() - 0.5), [8, 4]) };
}

describe('sensitivity analysis', () => {
  it('measures each layer output against float and sorts the noisiest first (closed form)', async () => {
    const r = rng(1);
    const wa = Float32Array.from({ length: 16 }, () => r());
    const wb = Float32Array.from({ length: 16 }, () => r());
    // Perturb only layer b: a's output is exact (infinite SQNR, capped), b's noise is known.
    const wb2 = Float32Array.from(wb, (v, i) => v + (i === 0 ? 0.1 : 0));
    const res = await layerSensitivity(twoLayers(wa, wb), twoLayers(wa, wb2), [{ layer: 'a', tensor: 'h' }, { layer: 'b', tensor: 'y' }], data());
    expect(res.map((s) => s.layer)).toEqual(['b', 'a']);
    expect(res[1]).toMatchObject({ mse: 0, sqnr: 200 });
    // y_q − y = 0.1·h[:, 0] in column 0 only, so the MSE is 0.01·mean(h[:,0]²)/4.
    let h0 = 0; let n = 0;
    for await (const b of data()) {
      const x = b.x.data as Float32Array;
      for (let row = 0; row < 8; row++) { let v = 0; for (let k = 0; k < 4; k++) v += x[row * 4 + k] * wa[k * 4]; h0 += v * v; n++; }
    }
    expect(res[0].mse).toBeCloseTo((0.01 * h0 / n) / 4, 7);
  });

  it('keeps the most sensitive layers float until the target is met', async () => {
    const sorted = ['c', 'a', 'b'].map((layer, i) => ({ layer, tensor: layer, mse: 1 / (i + 1), sqnr: i }));
    const gain: Record<string, number> = { a: 2, b: 1, c: 3 };
    const evaluate = async (keep: string[]) => 90 + keep.reduce((s, l) => s + gain[l], 0);
    const choice = await chooseFloatLayers(sorted, evaluate, 94);
    expect(choice).toMatchObject({ keepFloat: ['c', 'a'], metric: 95, met: true });
    expect(choice.evaluations.map((e) => e.metric)).toEqual([90, 93, 95]);
    const capped = await chooseFloatLayers(sorted, evaluate, 99, 1);
    expect(capped).toMatchObject({ keepFloat: ['c'], met: false });
  });

  it('compares the layers a PTQ model runs on dequantized weights, by output names the prepared float model shares', async () => {
    const shapes = { x: [1, 3, 48, 192] };
    const float = prepareModel(loadPpOcr('cls')).model;
    const all = quantizedLayers(float, await int8ForLatency(loadPpOcr('cls'), shapes));
    expect(all.length).toBeGreaterThan(10);
    const produced = new Set(float.graph.node.flatMap((n) => n.output));
    expect(all.every((l) => produced.has(l.tensor))).toBe(true);
    // A layer kept in float is not a quantization error source: it is left out.
    const kept = await int8ForLatency(loadPpOcr('cls'), shapes, [all[0].layer]);
    expect(quantizedLayers(float, kept).map((l) => l.layer)).toEqual(all.slice(1).map((l) => l.layer));
  });
});
