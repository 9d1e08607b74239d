import { sumToShape } from './broadcast';
import { GradientRule, dyOf } from './rule';

/** Where(cond, a, c): a gets dy where cond holds, c where it does not; the boolean gets none. */
export const whereGrad: GradientRule = {
  opType: 'Where',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [cond, a, c] = node.input;
    const g = dyOf(dy);
    const out = ctx.shape(node.output[0]);
    const zero = b.scalar(0);
    return [
      undefined,
      ctx.needs(1) ? sumToShape(b, b.op1('Where', [cond, g, zero]), out, ctx.shape(a)) : undefined,
      ctx.needs(2) ? sumToShape(b, b.op1('Where', [cond, zero, g]), out, ctx.shape(c)) : undefined,
    ];
  },
};
