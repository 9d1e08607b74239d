import { attrFloat, getAttr } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

/** Relu passes the gradient where x > 0. */
export const reluGrad: GradientRule = {
  opType: 'Relu',
  grad(ctx, dy) {
    const { b } = ctx;
    const x = ctx.node.input[0];
    return [b.op1('Where', [b.op1('Greater', [x, b.scalar(0)]), dyOf(dy), b.scalar(0)])];
  },
};

/** Clip passes the gradient inside [min, max]; bounds are attributes before opset 11, inputs after. */
export const clipGrad: GradientRule = {
  opType: 'Clip',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const x = node.input[0];
    const fromAttr = getAttr(node, 'min') || getAttr(node, 'max');
    const lo = fromAttr ? (getAttr(node, 'min') ? b.scalar(attrFloat(node, 'min', 0)) : undefined) : node.input[1] || undefined;
    const hi = fromAttr ? (getAttr(node, 'max') ? b.scalar(attrFloat(node, 'max', 0)) : undefined) : node.input[2] || undefined;
    const conds = [
      lo ? b.op1('GreaterOrEqual', [x, lo]) : undefined,
      hi ? b.op1('LessOrEqual', [x, hi]) : undefined,
    ].filter((c): c is string => !!c);
    if (conds.length === 0) return [dyOf(dy)];
    const mask = conds.length === 2 ? b.op1('And', conds) : conds[0];
    return [b.op1('Where', [mask, dyOf(dy), b.scalar(0)])];
  },
};

/** HardSigmoid y = max(0, min(1, αx+β)): slope α where 0 < αx+β < 1. */
export const hardSigmoidGrad: GradientRule = {
  opType: 'HardSigmoid',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const alpha = attrFloat(node, 'alpha', 0.2);
    const beta = attrFloat(node, 'beta', 0.5);
    const t = b.op1('Add', [b.op1('Mul', [node.input[0], b.scalar(alpha)]), b.scalar(beta)]);
    const mask = b.op1('And', [b.op1('Greater', [t, b.scalar(0)]), b.op1('Less', [t, b.scalar(1)])]);
    return [b.op1('Where', [mask, b.op1('Mul', [dyOf(dy), b.scalar(alpha)]), b.scalar(0)])];
  },
};

/** HardSwish y = x·clip(x/6+½, 0, 1): slope 0 below −3, 1 above 3, x/3+½ between. */
export const hardSwishGrad: GradientRule = {
  opType: 'HardSwish',
  grad(ctx, dy) {
    const { b } = ctx;
    const x = ctx.node.input[0];
    const mid = b.op1('Add', [b.op1('Mul', [x, b.scalar(1 / 3)]), b.scalar(0.5)]);
    const upper = b.op1('Where', [b.op1('Greater', [x, b.scalar(3)]), b.scalar(1), mid]);
    const slope = b.op1('Where', [b.op1('Less', [x, b.scalar(-3)]), b.scalar(0), upper]);
    return [b.op1('Mul', [dyOf(dy), slope])];
  },
};
