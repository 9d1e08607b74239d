import { describe, expect, it } from 'vitest';
import { producerMap, readWeight } from '../../../core/onnx/graph';
import { planQuantization } from '../../../core/quant/plan';
import { encodeModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { Model } from '../../../core/onnx/proto';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { caffeBatchNorm, ExportStyle, exportStyles, floatFeed, GraphBuilder, kerasChannelsLast, scaledInput, StyledGraph } from '../../fixtures/export-styles';

/** Every graph output of two models on the same feed: the largest absolute difference relative to the output's peak. */
async function outputDiff(a: Model, b: Model, feeds: Record<string, Tensor>): Promise<{ name: string; rel: number; abs: number }[]> {
  const [sa, sb] = await Promise.all([ModelSession.create(encodeModel(a)), ModelSession.create(encodeModel(b))]);
  try {
    const [ya, yb] = [await sa.run(feeds), await sb.run(feeds)];
    return Object.keys(ya).map((name) => {
      const A = ya[name].data as Float32Array;
      const B = yb[name]?.data as Float32Array | undefined;
      if (!B || B.length !== A.length) return { name, rel: Infinity, abs: Infinity };
      let abs = 0;
      let peak = 0;
      for (let i = 0; i < A.length; i++) { abs = Math.max(abs, Math.abs(A[i] - B[i])); peak = Math.max(peak, Math.abs(A[i])); }
      return { name, abs, rel: abs / Math.max(peak, 1e-12) };
    });
  } finally {
    await Promise.all([sa.release(), sb.release()]);
  }
}

const STYLES: ExportStyle[] = [11, 13, 17, 21].flatMap((opset) => [
  { opset, weights: 'initializers' as const },
  { opset, weights: 'constants' as const },
  // value_ints / value_float Constant attributes exist from opset 12.
  ...(opset >= 12 ? [{ opset, weights: 'attr-constants' as const }] : []),
]);

describe('graphs as exporters write them: every rewrite keeps the outputs', () => {
  for (const style of STYLES) {
    describe(`opset ${style.opset}, weights as ${style.weights}`, () => {
      for (const [name, g] of Object.entries(exportStyles(style)) as [string, StyledGraph][]) {
        it(name, async () => {
          const { model, report } = prepareModel(g.model);
          expect(report.toOpset).toBe(Math.max(13, style.opset));
          const diffs = await outputDiff(g.model, model, g.feeds);
          expect(diffs.map((d) => d.name).sort()).toEqual(g.model.graph.output.map((o) => o.name).sort());
          for (const d of diffs) expect(d.rel, `${d.name}: abs ${d.abs}`).toBeLessThanOrEqual(1e-5);
          // The quantization planner reads weights through the same helpers: it takes only float ones.
          const plan = planQuantization(model);
          for (const m of plan.marks) expect(readWeight(model.graph, m.node.input[m.weight.slot]), m.node.name).toBeDefined();
          expect(plan.marks.length).toBeGreaterThan(0);
        });
      }
    });
  }
});

describe('Caffe/TF-style BatchNorm after a conv', () => {
  for (const weights of ['initializers', 'constants'] as const) {
    it(`folds Sub/Mul/Add and Div/Add into the convs (weights as ${weights}) and keeps a conv with two readers unfused`, async () => {
      const g = caffeBatchNorm({ opset: 13, weights });
      const { model, report } = prepareModel(g.model);
      const ops = (m: Model) => m.graph.node.filter((n) => n.opType !== 'Constant').map((n) => n.opType);
      expect(ops(g.model).length - ops(model).length).toBe(g.foldable);
      expect(report.foldedAffine).toBe(g.foldable);
      expect(ops(model).filter((o) => o === 'Sub' || o === 'Div' || o === 'Add')).toEqual([]);
      // The third conv's output is also a graph output: its Mul cannot go into the conv.
      const producers = producerMap(model.graph);
      const mul = model.graph.node.find((n) => n.opType === 'Mul');
      expect(mul && producers.get(mul.input[0])?.opType).toBe('Conv');
      for (const d of await outputDiff(g.model, model, g.feeds)) expect(d.rel, d.name).toBeLessThanOrEqual(1e-5);
    });
  }

  it('folds input scaling into the first conv (its offset kept in front: the conv pads) and a scalar Mul/Add into an unpadded conv', async () => {
    const g = scaledInput({ opset: 13, weights: 'initializers' });
    const { model, report } = prepareModel(g.model);
    expect(report.foldedAffine).toBe(g.foldable);
    expect(model.graph.node.map((n) => n.opType)).toEqual(['Add', 'Conv', 'Relu', 'Conv']);
    for (const d of await outputDiff(g.model, model, g.feeds)) expect(d.rel, d.name).toBeLessThanOrEqual(1e-5);
  });

  it('channels-last (Keras on torch): bias and BatchNorm behind the conv\'s Transpose and float→float Casts fold away, the inner Transpose pair cancels', async () => {
    for (const weights of ['initializers', 'constants'] as const) {
      const g = kerasChannelsLast({ opset: 17, weights });
      const { model, report } = prepareModel(g.model);
      expect(model.graph.node.filter((n) => n.opType !== 'Constant').map((n) => n.opType)).toEqual(['Transpose', 'Conv', 'Relu', 'Conv', 'Transpose']);
      expect(report.noopCasts).toBe(4);
      expect(report.transposesCancelled).toBe(1);
      for (const d of await outputDiff(g.model, model, g.feeds)) expect(d.rel, d.name).toBeLessThanOrEqual(1e-5);
    }
  });

  it('does not take a [C] constant for a per-channel one: against N×C×H×W it broadcasts along W', async () => {
    // C = W = 4, so a wrong fold would still produce a model of the right shape, only wrong values.
    const b = new GraphBuilder({ opset: 13, weights: 'initializers' }, 21);
    const x = b.input('x', 'float32', [1, 3, 4, 4]);
    b.rename(b.op('Add', [b.op('Mul', [b.conv(x, 3, 4, 3), b.weight([4], 'col.scale', 0.5, 1.5)]), b.weight([4], 'col.shift')]), 'y');
    b.output('y', 'float32', [1, 4, 4, 4]);
    const original = b.build('columns');
    const { model, report } = prepareModel(original);
    expect(report.foldedAffine).toBe(0);
    expect(model.graph.node.map((n) => n.opType)).toEqual(['Conv', 'Mul', 'Add']);
    for (const d of await outputDiff(original, model, { x: floatFeed([1, 3, 4, 4]) })) expect(d.rel, d.name).toBe(0);
  });
});
