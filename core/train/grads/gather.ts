import { attrInt } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

/**
 * Gather(data, indices) along `axis`: dy scattered back with add-reduction (rows picked twice, such as
 * a repeated token, sum), into zeros of data's shape. The gathered axis is moved to the front so one
 * ScatterND covers every axis; the integer indices get no gradient.
 */
export const gatherGrad: GradientRule = {
  opType: 'Gather',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [data, indices] = node.input;
    const dShape = ctx.shape(data);
    const iShape = ctx.shape(indices);
    const rank = dShape.length;
    const axis = (attrInt(node, 'axis', 0) + rank) % rank;
    const count = iShape.reduce((p, d) => p * d, 1);
    const rest = [...dShape.slice(0, axis), ...dShape.slice(axis + 1)];
    let g = dyOf(dy);
    if (axis > 0) {
      // dy is data[:axis] + indices + data[axis+1:]: bring the index dims first.
      const r = iShape.length;
      const perm = [...Array.from({ length: r }, (_, i) => axis + i), ...Array.from({ length: axis }, (_, i) => i), ...Array.from({ length: rank - axis - 1 }, (_, i) => axis + r + i)];
      g = b.op1('Transpose', [g], { perm });
    }
    const updates = b.reshape(g, [count, ...rest]);
    const flat = b.reshape(b.op1('Cast', [indices], { to: 7 }), [count, 1]);
    // Gather takes negative indices from the end; ScatterND is given them wrapped.
    const wrapped = b.op1('Add', [flat, b.ints([dShape[axis]], 'dim')]);
    const idx = b.op1('Where', [b.op1('Less', [flat, b.ints([0], 'zero')]), wrapped, flat]);
    const front = [dShape[axis], ...rest];
    const zeros = b.op1('ConstantOfShape', [b.ints(front, 'shape')]);
    const scattered = b.op1('ScatterND', [zeros, idx, updates], { reduction: 'add' });
    if (axis === 0) return [scattered, undefined];
    const back = [...Array.from({ length: axis }, (_, i) => i + 1), 0, ...Array.from({ length: rank - axis - 1 }, (_, i) => axis + 1 + i)];
    return [b.op1('Transpose', [scattered], { perm: back }), undefined];
  },
};
