import { attrInt } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

// Opset 13 semantics: the reduction is over the single `axis` (default −1).

/** Softmax: dx = y·(dy − Σ dy·y). */
export const softmaxGrad: GradientRule = {
  opType: 'Softmax',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const y = node.output[0];
    const g = dyOf(dy);
    const axis = attrInt(node, 'axis', -1);
    const dot = b.reduceSum(b.op1('Mul', [g, y]), [axis], 1);
    return [b.op1('Mul', [y, b.op1('Sub', [g, dot])])];
  },
};

/** LogSoftmax: dx = dy − softmax(x)·Σ dy. */
export const logSoftmaxGrad: GradientRule = {
  opType: 'LogSoftmax',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const g = dyOf(dy);
    const axis = attrInt(node, 'axis', -1);
    const sum = b.reduceSum(g, [axis], 1);
    return [b.op1('Sub', [g, b.op1('Mul', [b.op1('Exp', [node.output[0]]), sum])])];
  },
};
