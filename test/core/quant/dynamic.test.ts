import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../core/onnx/model-io';
import { dynamicQuantizableCount, quantizeDynamic } from '../../../core/quant/dynamic';
import { optimizedNodes } from '../../../core/runtime/kernels';
import { ModelSession } from '../../../core/runtime/session';
import { attentionBlock, geluMlp } from '../../fixtures/export-styles';

/** Cosine similarity of two float outputs, over all values. */
function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

async function run(bytes: Uint8Array, feeds: Parameters<ModelSession['run']>[0]): Promise<Float32Array> {
  const s = await ModelSession.create(bytes);
  try {
    return (await s.run(feeds)).y.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('dynamic quantization (int8 weights, activations quantized at run time)', () => {
  for (const style of [{ opset: 13, weights: 'initializers' as const }, { opset: 17, weights: 'constants' as const }]) {
    it(`turns every weight MatMul of an attention block into an integer kernel onnxruntime fuses (opset ${style.opset}, ${style.weights})`, async () => {
      const { model, feeds } = attentionBlock(style);
      const weightMatMuls = dynamicQuantizableCount(model);
      // Q, K, V and the output projection; QKᵀ and AV multiply two activations and stay float.
      expect(weightMatMuls).toBe(4);
      const { model: q, report } = quantizeDynamic(model);
      expect(report.quantized).toHaveLength(4);
      expect(report.skipped.map((s) => s.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/both inputs are activations/)]));
      // The optimized graph onnxruntime runs: the dynamic pattern fused into its int8 GEMM kernels.
      const ops = (await optimizedNodes(encodeModel(q))).map((n) => n.opType);
      const fused = ops.filter((o) => o === 'DynamicQuantizeMatMul' || o === 'MatMulIntegerToFloat').length;
      expect(fused).toBe(4);
      expect(ops.filter((o) => o === 'MatMul' || o === 'FusedMatMul').length).toBe(2);
      // One DynamicQuantizeLinear shared by Q, K and V: they read the same activation.
      expect(q.graph.node.filter((n) => n.opType === 'DynamicQuantizeLinear')).toHaveLength(2);
      const [ref, got] = [await run(encodeModel(model), feeds), await run(encodeModel(q), feeds)];
      expect(cosine(ref, got)).toBeGreaterThan(0.999);
    });
  }

  it('keeps an MLP within int8 error and leaves the source model untouched', async () => {
    const { model, feeds } = geluMlp({ opset: 13, weights: 'initializers' });
    const before = model.graph.node.length;
    const { model: q } = quantizeDynamic(model, { reduceRange: true });
    expect(model.graph.node.length).toBe(before);
    expect(q.graph.node.some((n) => n.opType === 'MatMulInteger')).toBe(true);
    const [ref, got] = [await run(encodeModel(model), feeds), await run(encodeModel(q), feeds)];
    expect(cosine(ref, got)).toBeGreaterThan(0.995);
  });

  it('leaves skipped nodes float', () => {
    const { model } = geluMlp({ opset: 13, weights: 'initializers' });
    const first = model.graph.node.find((n) => n.opType === 'MatMul')!;
    const { report } = quantizeDynamic(model, { skipNodes: [first.name || first.output[0]] });
    expect(report.skipped).toContainEqual({ node: first.name || first.output[0], reason: 'in skip list' });
    expect(report.quantized).toHaveLength(1);
  });
});
