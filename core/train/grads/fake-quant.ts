import { GradientRule, dyOf } from './rule';

/**
 * QuantizeLinear → DequantizeLinear pairs inserted for QAT use the straight-through estimator: the
 * gradient passes unchanged where x lies inside the quantizer's range [(0−zp)·s, (255−zp)·s] and is
 * zero where it clipped. The uint8 tensor between the two carries the float gradient through.
 */
export const quantizeLinearGrad: GradientRule = {
  opType: 'QuantizeLinear',
  carriesIntegerGradient: true,
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [x, scale, zp] = node.input;
    const zpf = b.op1('Cast', [zp], { to: 1 });
    const lo = b.op1('Mul', [b.op1('Neg', [zpf]), scale]);
    const hi = b.op1('Mul', [b.op1('Sub', [b.scalar(255), zpf]), scale]);
    const inside = b.op1('And', [b.op1('GreaterOrEqual', [x, lo]), b.op1('LessOrEqual', [x, hi])]);
    return [b.op1('Where', [inside, dyOf(dy), b.scalar(0)])];
  },
};

/** DequantizeLinear: identity for the straight-through estimator. */
export const dequantizeLinearGrad: GradientRule = {
  opType: 'DequantizeLinear',
  grad: (_ctx, dy) => [dyOf(dy)],
};
