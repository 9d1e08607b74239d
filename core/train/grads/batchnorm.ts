import { attrFloat } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

/**
 * BatchNormalization in inference mode (a per-channel affine map with frozen statistics), for BNs that
 * foldBatchNorm could not fold into a conv: dX = dY·γ/√(σ²+ε); dβ = Σ dY; dγ = Σ dY·x̂.
 */
export const batchNormGrad: GradientRule = {
  opType: 'BatchNormalization',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [x, gamma, , mean, variance] = node.input;
    const g = dyOf(dy);
    const xs = ctx.shape(x);
    const c = xs[1];
    const perChannel = [c, ...new Array<number>(xs.length - 2).fill(1)];
    const reduceAxes = xs.map((_, i) => i).filter((i) => i !== 1);
    const invStd = b.op1('Div', [b.scalar(1), b.op1('Sqrt', [b.op1('Add', [variance, b.scalar(attrFloat(node, 'epsilon', 1e-5))])])]);
    const scale = b.reshape(b.op1('Mul', [gamma, invStd]), perChannel);
    const dx = ctx.needs(0) ? b.op1('Mul', [g, scale]) : undefined;
    let dGamma: string | undefined;
    if (ctx.needs(1)) {
      const xhat = b.op1('Mul', [b.op1('Sub', [x, b.reshape(mean, perChannel)]), b.reshape(invStd, perChannel)]);
      dGamma = b.reshape(b.reduceSum(b.op1('Mul', [g, xhat]), reduceAxes, 0), [c]);
    }
    const dBeta = ctx.needs(2) ? b.reshape(b.reduceSum(g, reduceAxes, 0), [c]) : undefined;
    return [dx, dGamma, dBeta];
  },
};
