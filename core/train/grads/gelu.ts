import { attrString } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

/**
 * Gelu (opset 20, and com.microsoft's of the same name): exact y = ½x(1 + erf(x/√2)) with
 * dy/dx = ½(1 + erf(x/√2)) + x·φ(x); approximate 'tanh' y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
 * with dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
 */
export const geluGrad: GradientRule = {
  opType: 'Gelu',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const x = node.input[0];
    const x2 = b.op1('Mul', [x, x]);
    let slope: string;
    if (attrString(node, 'approximate') === 'tanh') {
      const u = b.op1('Mul', [b.op1('Add', [x, b.op1('Mul', [b.op1('Mul', [x2, x]), b.scalar(CUBIC)])]), b.scalar(SQRT_2_OVER_PI)]);
      const t = b.op1('Tanh', [u]);
      const du = b.op1('Mul', [b.op1('Add', [b.scalar(1), b.op1('Mul', [x2, b.scalar(3 * CUBIC)])]), b.scalar(SQRT_2_OVER_PI)]);
      const left = b.op1('Mul', [b.op1('Add', [b.scalar(1), t]), b.scalar(0.5)]);
      const right = b.op1('Mul', [b.op1('Mul', [b.op1('Mul', [x, b.scalar(0.5)]), b.op1('Sub', [b.scalar(1), b.op1('Mul', [t, t])])]), du]);
      slope = b.op1('Add', [left, right]);
    } else {
      const cdf = b.op1('Mul', [b.op1('Add', [b.scalar(1), b.op1('Erf', [b.op1('Mul', [x, b.scalar(Math.SQRT1_2)])])]), b.scalar(0.5)]);
      const pdf = b.op1('Mul', [b.op1('Exp', [b.op1('Mul', [x2, b.scalar(-0.5)])]), b.scalar(1 / Math.sqrt(2 * Math.PI))]);
      slope = b.op1('Add', [cdf, b.op1('Mul', [x, pdf])]);
    }
    return [b.op1('Mul', [dyOf(dy), slope])];
  },
};
