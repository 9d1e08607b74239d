import { attrFloat, attrInt } from '../../onnx/graph';
import { sumToShape } from './broadcast';
import { GradientRule, dyOf } from './rule';

/**
 * LayerNormalization (opset 17) over the axes from `axis` to the last: y = x̂·scale + bias with
 * x̂ = (x − μ)·σ⁻¹. The statistics are recomputed in the gradient graph (the forward's optional Mean
 * and InvStdDev outputs are absent in exported graphs), then
 * dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) where g = dy·scale, means over the normalized axes.
 */
export const layerNormGrad: GradientRule = {
  opType: 'LayerNormalization',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [x, scale, bias] = node.input;
    const xShape = ctx.shape(x);
    const rank = xShape.length;
    const axis = (attrInt(node, 'axis', -1) + rank) % rank;
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const inv = 1 / axes.reduce((p, a) => p * xShape[a], 1);
    const mean = (t: string) => b.op1('Mul', [b.reduceSum(t, axes, 1), b.scalar(inv)]);
    const centred = b.op1('Sub', [x, mean(x)]);
    const variance = mean(b.op1('Mul', [centred, centred]));
    const invStd = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [variance, b.scalar(eps)])])]);
    const xHat = b.op1('Mul', [centred, invStd]);
    const g = dyOf(dy);
    let dx: string | undefined;
    if (ctx.needs(0)) {
      const gs = b.op1('Mul', [g, scale]);
      const inner = b.op1('Sub', [b.op1('Sub', [gs, mean(gs)]), b.op1('Mul', [xHat, mean(b.op1('Mul', [gs, xHat]))])]);
      dx = b.op1('Mul', [inner, invStd]);
    }
    return [
      dx,
      ctx.needs(1) ? sumToShape(b, b.op1('Mul', [g, xHat]), xShape, ctx.shape(scale)) : undefined,
      bias && ctx.needs(2) ? sumToShape(b, g, xShape, ctx.shape(bias)) : undefined,
    ];
  },
};
