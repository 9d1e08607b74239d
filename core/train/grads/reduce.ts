import { attrInt, attrInts } from '../../onnx/graph';
import { GradContext, GradientRule, dyOf } from './rule';

/** Axes of a reduction: attribute before opset 18 (ReduceMean) or input (ReduceSum from 13); all when absent. */
function reducedAxes(ctx: GradContext, rank: number): number[] {
  const axes = attrInts(ctx.node, 'axes') ?? ctx.ints(ctx.node.input[1]);
  const all = Array.from({ length: rank }, (_, i) => i);
  return axes && axes.length ? axes.map((a) => (a < 0 ? a + rank : a)) : all;
}

/** Spread dy back over the reduced axes, scaled by `scale`. */
function spread(ctx: GradContext, g: string, scale: (count: number) => number): string {
  const { b, node } = ctx;
  const xShape = ctx.shape(node.input[0]);
  const axes = reducedAxes(ctx, xShape.length);
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((p, a) => p * xShape[a], 1);
  const shaped = b.reshape(g, kept);
  const s = scale(count);
  const scaled = s === 1 ? shaped : b.op1('Mul', [shaped, b.scalar(s)]);
  return b.op1('Expand', [scaled, b.ints(xShape, 'shape')]);
}

/** ReduceMean: each input gets dy / count. */
export const reduceMeanGrad: GradientRule = {
  opType: 'ReduceMean',
  grad: (ctx, dy) => [spread(ctx, dyOf(dy), (c) => 1 / c)],
};

/** ReduceSum: each input gets dy. */
export const reduceSumGrad: GradientRule = {
  opType: 'ReduceSum',
  grad(ctx, dy) {
    if (attrInt(ctx.node, 'noop_with_empty_axes', 0) && !ctx.ints(ctx.node.input[1])?.length) return [dyOf(dy)];
    return [spread(ctx, dyOf(dy), () => 1)];
  },
};

/** GlobalAveragePool: dy / (H·W) over every spatial position. */
export const globalAveragePoolGrad: GradientRule = {
  opType: 'GlobalAveragePool',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const xShape = ctx.shape(node.input[0]);
    const area = xShape.slice(2).reduce((p, d) => p * d, 1);
    return [b.op1('Expand', [b.op1('Mul', [dyOf(dy), b.scalar(1 / area)]), b.ints(xShape, 'shape')])];
  },
};
