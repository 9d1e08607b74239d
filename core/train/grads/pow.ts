import { GradientRule, dyOf } from './rule';
import { sumToShape } from './broadcast';

/** y = a^p: dy/da = p·a^(p−1), dy/dp = y·ln a. */
export const powGrad: GradientRule = {
  opType: 'Pow',
  grad(ctx, dy) {
    const g = dyOf(dy);
    const { b, node } = ctx;
    const [a, p] = node.input;
    const y = node.output[0];
    const out = ctx.shape(y);
    const constP = ctx.floats(p);
    let da: string | undefined;
    if (ctx.needs(0)) {
      // The common case (LayerNorm's x²) has a constant exponent: 2·a needs no Pow at all.
      const local = constP?.length === 1 && constP[0] === 2
        ? b.op1('Mul', [a, b.scalar(2)])
        : b.op1('Mul', [p, b.op1('Pow', [a, b.op1('Sub', [p, b.scalar(1)])])]);
      da = sumToShape(b, b.op1('Mul', [g, local]), out, ctx.shape(a));
    }
    const dp = ctx.needs(1) ? sumToShape(b, b.op1('Mul', [g, b.op1('Mul', [y, b.op1('Log', [a])])]), out, ctx.shape(p)) : undefined;
    return [da, dp];
  },
};
