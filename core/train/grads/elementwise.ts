import { GradientRule, dyOf } from './rule';
import { sumToShape } from './broadcast';

// Add, Sub, Mul, Div and Pow broadcast, so every operand gradient is summed back to its own shape.

export const addGrad: GradientRule = {
  opType: 'Add',
  grad(ctx, dy) {
    const g = dyOf(dy);
    const out = ctx.shape(ctx.node.output[0]);
    return ctx.node.input.map((x, i) => (ctx.needs(i) ? sumToShape(ctx.b, g, out, ctx.shape(x)) : undefined));
  },
};

export const subGrad: GradientRule = {
  opType: 'Sub',
  grad(ctx, dy) {
    const g = dyOf(dy);
    const [a, c] = ctx.node.input;
    const out = ctx.shape(ctx.node.output[0]);
    return [
      ctx.needs(0) ? sumToShape(ctx.b, g, out, ctx.shape(a)) : undefined,
      ctx.needs(1) ? sumToShape(ctx.b, ctx.b.op1('Neg', [g]), out, ctx.shape(c)) : undefined,
    ];
  },
};

export const mulGrad: GradientRule = {
  opType: 'Mul',
  grad(ctx, dy) {
    const g = dyOf(dy);
    const [a, c] = ctx.node.input;
    const out = ctx.shape(ctx.node.output[0]);
    return [
      ctx.needs(0) ? sumToShape(ctx.b, ctx.b.op1('Mul', [g, c]), out, ctx.shape(a)) : undefined,
      ctx.needs(1) ? sumToShape(ctx.b, ctx.b.op1('Mul', [g, a]), out, ctx.shape(c)) : undefined,
    ];
  },
};

export const divGrad: GradientRule = {
  opType: 'Div',
  grad(ctx, dy) {
    const g = dyOf(dy);
    const [a, c] = ctx.node.input;
    const y = ctx.node.output[0];
    const out = ctx.shape(y);
    const gOverC = ctx.b.op1('Div', [g, c]);
    // d(a/c)/dc = -y/c, reusing the forward output instead of recomputing a/c².
    return [
      ctx.needs(0) ? sumToShape(ctx.b, gOverC, out, ctx.shape(a)) : undefined,
      ctx.needs(1) ? sumToShape(ctx.b, ctx.b.op1('Neg', [ctx.b.op1('Mul', [gOverC, y])]), out, ctx.shape(c)) : undefined,
    ];
  },
};

/** Sum (variadic, broadcasting): every operand gets dy summed to its shape. */
export const sumGrad: GradientRule = {
  opType: 'Sum',
  grad(ctx, dy) {
    const g = dyOf(dy);
    const out = ctx.shape(ctx.node.output[0]);
    return ctx.node.input.map((x, i) => (ctx.needs(i) ? sumToShape(ctx.b, g, out, ctx.shape(x)) : undefined));
  },
};
