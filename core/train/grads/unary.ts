import { GradientRule, dyOf } from './rule';

/** y = √x: dx = dy / (2y). */
export const sqrtGrad: GradientRule = {
  opType: 'Sqrt',
  grad(ctx, dy) {
    const { b } = ctx;
    return [b.op1('Div', [dyOf(dy), b.op1('Mul', [ctx.node.output[0], b.scalar(2)])])];
  },
};

/** y = σ(x): dx = dy·y·(1−y). */
export const sigmoidGrad: GradientRule = {
  opType: 'Sigmoid',
  grad(ctx, dy) {
    const { b } = ctx;
    const y = ctx.node.output[0];
    return [b.op1('Mul', [dyOf(dy), b.op1('Mul', [y, b.op1('Sub', [b.scalar(1), y])])])];
  },
};

/** y = ln x: dx = dy / x. */
export const logGrad: GradientRule = {
  opType: 'Log',
  grad: (ctx, dy) => [ctx.b.op1('Div', [dyOf(dy), ctx.node.input[0]])],
};

/** y = eˣ: dx = dy·y. */
export const expGrad: GradientRule = {
  opType: 'Exp',
  grad: (ctx, dy) => [ctx.b.op1('Mul', [dyOf(dy), ctx.node.output[0]])],
};

/** y = −x. */
export const negGrad: GradientRule = {
  opType: 'Neg',
  grad: (ctx, dy) => [ctx.b.op1('Neg', [dyOf(dy)])],
};

/** Pass-through ops (float→float Cast included: the engine is float32 throughout). */
export const identityGrads: GradientRule[] = ['Identity', 'Dropout', 'Cast'].map((opType) => ({
  opType,
  grad: (_ctx, dy) => [dyOf(dy)],
}));

/** y = erf(x): dx = dy·(2/√π)·e^(−x²). */
export const erfGrad: GradientRule = {
  opType: 'Erf',
  grad(ctx, dy) {
    const { b } = ctx;
    const x = ctx.node.input[0];
    const e = b.op1('Exp', [b.op1('Neg', [b.op1('Mul', [x, x])])]);
    return [b.op1('Mul', [dyOf(dy), b.op1('Mul', [e, b.scalar(2 / Math.sqrt(Math.PI))])])];
  },
};

/** y = tanh x: dx = dy·(1 − y²). */
export const tanhGrad: GradientRule = {
  opType: 'Tanh',
  grad(ctx, dy) {
    const { b } = ctx;
    const y = ctx.node.output[0];
    return [b.op1('Mul', [dyOf(dy), b.op1('Sub', [b.scalar(1), b.op1('Mul', [y, y])])])];
  },
};

/** y = 1/x: dx = −dy·y². */
export const reciprocalGrad: GradientRule = {
  opType: 'Reciprocal',
  grad(ctx, dy) {
    const { b } = ctx;
    const y = ctx.node.output[0];
    return [b.op1('Neg', [b.op1('Mul', [dyOf(dy), b.op1('Mul', [y, y])])])];
  },
};
