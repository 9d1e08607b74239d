import { attrInts, attrString } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

/** Pad (constant mode): the gradient is dy with the padding sliced off; the pad value and pads get none. */
export const padGrad: GradientRule = {
  opType: 'Pad',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const mode = attrString(node, 'mode') ?? 'constant';
    if (mode !== 'constant') throw new Error(`Pad ${node.name}: only constant-mode padding has a gradient (got ${mode})`);
    const xShape = ctx.shape(node.input[0]);
    const rank = xShape.length;
    const pads = attrInts(node, 'pads') ?? ctx.ints(node.input[1]);
    if (!pads) throw new Error(`Pad ${node.name}: pads must be constant to differentiate`);
    const given = ctx.ints(node.input[3]) ?? Array.from({ length: rank }, (_, i) => i);
    const axes = given.map((a) => (a < 0 ? a + rank : a));
    const begin = axes.map((_, i) => pads[i]);
    if (pads.some((p) => p < 0)) throw new Error(`Pad ${node.name}: negative pads (cropping) have no gradient rule`);
    const ends = axes.map((a, i) => begin[i] + xShape[a]);
    return [b.op1('Slice', [dyOf(dy), b.ints(begin, 'starts'), b.ints(ends, 'ends'), b.ints(axes, 'axes')])];
  },
};
