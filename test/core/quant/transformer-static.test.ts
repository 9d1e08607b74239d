// Static Q/DQ on a BERT-like encoder, checked on the graph onnxruntime actually runs (its optimized
// model): every weight MatMul on an integer kernel, LayerNorm/Softmax/Gelu float with onnxruntime's
// fusions intact (SkipLayerNormalization and Gelu/BiasGelu wherever FP32 gets them), and attention's
// activation × activation MatMuls integer only when asked (QuantPost.quantize_act_matmul).
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../core/onnx/model-io';
import { Model } from '../../../core/onnx/proto';
import { quantizeModel } from '../../../core/quant/ptq';
import { optimizedNodes } from '../../../core/runtime/kernels';
import type { Tensor } from '../../../core/tensor';
import { cosineOf, runOutput } from './run-output';
import { tinyBert } from '../latency/transformer-fixture';

const LAYERS = 2;
/** Q, K, V, output projection and the two feed-forward linears of each layer. */
const WEIGHT_MATMULS = 6 * LAYERS;
const INTEGER_MATMULS = new Set(['QLinearMatMul', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul']);
const GELU = new Set(['Gelu', 'BiasGelu', 'FastGelu']);

/** The encoder with dynamic batch/sequence, or fixed to its feed's shape (onnxruntime fuses more with known shapes). */
function encoder(shapes: 'dynamic' | 'fixed'): { model: Model; feeds: Record<string, Tensor> } {
  const g = tinyBert(LAYERS);
  if (shapes === 'fixed') {
    for (const i of g.model.graph.input) i.type!.tensorType!.shape!.dim = g.feeds[i.name].dims.map((d) => ({ dimValue: d }));
  }
  return g;
}

const census = (ops: string[]) => ops.reduce<Record<string, number>>((c, o) => ({ ...c, [o]: (c[o] ?? 0) + 1 }), {});
const count = (c: Record<string, number>, ops: Set<string> | string[]) => [...ops].reduce((s, o) => s + (c[o] ?? 0), 0);

async function quantized(shapes: 'dynamic' | 'fixed', quantizeActMatMul: boolean) {
  const { model, feeds } = encoder(shapes);
  const calib = (async function* () { yield feeds; })();
  const { model: q, report } = await quantizeModel(model, calib, { calibrator: 'abs_max', integerActivations: true, quantizeDepthwise: true, quantizeActMatMul });
  return { q, report, feeds };
}

describe('static Q/DQ on a BERT-like encoder, as onnxruntime runs it', () => {
  for (const shapes of ['dynamic', 'fixed'] as const) {
    it(`runs every weight MatMul integer and keeps LayerNorm, Softmax and Gelu float and fused as in FP32 (${shapes} shapes)`, async () => {
      const { model, feeds } = encoder(shapes);
      const fp32 = census((await optimizedNodes(encodeModel(model))).map((n) => n.opType));
      const { q } = await quantized(shapes, false);
      const ops = census((await optimizedNodes(encodeModel(q))).map((n) => n.opType));
      // Weight MatMuls: integer kernels, none left as a float MatMul or a float Gemm (MatMul + bias fused by shape).
      expect(count(ops, INTEGER_MATMULS)).toBeGreaterThanOrEqual(WEIGHT_MATMULS);
      expect(ops.Gemm ?? 0).toBe(0);
      // Act × act MatMuls are not quantized: AV reads the float Softmax output and stays a float MatMul.
      expect((ops.MatMul ?? 0) + (ops.FusedMatMul ?? 0)).toBe(LAYERS);
      // The float islands and onnxruntime's fusions of them, exactly as in the FP32 graph.
      expect(ops.Softmax).toBe(LAYERS);
      expect(count(ops, ['LayerNormalization', 'SkipLayerNormalization'])).toBe(count(fp32, ['LayerNormalization', 'SkipLayerNormalization']));
      expect(ops.SkipLayerNormalization ?? 0).toBe(fp32.SkipLayerNormalization ?? 0);
      expect(count(ops, GELU)).toBe(LAYERS);
      expect(count(fp32, GELU)).toBe(LAYERS);
      expect(ops.Erf ?? 0).toBe(0);
      if (shapes === 'fixed') expect(ops.SkipLayerNormalization).toBe(2 * LAYERS);
    });
  }

  for (const shapes of ['dynamic', 'fixed'] as const) {
    it(`with quantize_act_matmul runs QKᵀ and AV integer too, within int8 error (${shapes} shapes)`, async () => {
      const off = await quantized(shapes, false);
      const on = await quantized(shapes, true);
      const ops = census((await optimizedNodes(encodeModel(on.q))).map((n) => n.opType));
      // All 6 + 2 MatMuls of each layer run integer; no float MatMul is left.
      expect(count(ops, INTEGER_MATMULS)).toBe(WEIGHT_MATMULS + 2 * LAYERS);
      expect((ops.MatMul ?? 0) + (ops.FusedMatMul ?? 0)).toBe(0);
      expect(count(ops, GELU)).toBe(LAYERS);
      // The attention probabilities get the fixed [0, 1] quantizer: no calibrated range for Softmax outputs.
      const softmaxOutputs = on.q.graph.node.filter((n) => n.opType === 'Softmax').map((n) => n.output[0]);
      expect(softmaxOutputs).toHaveLength(LAYERS);
      for (const t of softmaxOutputs) expect(on.report.ranges[t]).toBeUndefined();
      expect(on.report.integerOps.length).toBeGreaterThan(off.report.integerOps.length);
      const { model, feeds } = encoder(shapes);
      const ref = await runOutput(encodeModel(model), feeds, 'last_hidden_state');
      const [a, b] = [await runOutput(encodeModel(off.q), feeds, 'last_hidden_state'), await runOutput(encodeModel(on.q), feeds, 'last_hidden_state')];
      expect(cosineOf(ref, a)).toBeGreaterThan(0.99);
      expect(cosineOf(ref, b)).toBeGreaterThan(0.99);
    });
  }
});
