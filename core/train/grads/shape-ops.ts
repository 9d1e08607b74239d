import { attrInt, attrInts } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

/** Ops that only rearrange memory: the gradient is dy reshaped back to x's static shape. */
export const reshapeLikeGrads: GradientRule[] = ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Expand'].map((opType) => ({
  opType,
  grad(ctx, dy) {
    const xShape = ctx.shape(ctx.node.input[0]);
    const yShape = ctx.shape(ctx.node.output[0]);
    const xSize = xShape.reduce((a, c) => a * c, 1);
    const ySize = yShape.reduce((a, c) => a * c, 1);
    // Expand replicates: its gradient sums the copies, the rest are pure reshapes.
    if (xSize !== ySize) {
      const lead = yShape.length - xShape.length;
      const axes = yShape.map((d, i) => i).filter((i) => i < lead || (xShape[i - lead] === 1 && yShape[i] !== 1));
      return [ctx.b.reshape(ctx.b.reduceSum(dyOf(dy), axes, 1), xShape)];
    }
    return [ctx.b.reshape(dyOf(dy), xShape)];
  },
}));

/** Transpose: dy transposed by the inverse permutation. */
export const transposeGrad: GradientRule = {
  opType: 'Transpose',
  grad(ctx, dy) {
    const rank = ctx.shape(ctx.node.input[0]).length;
    const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => { inv[p] = i; });
    return [ctx.b.op1('Transpose', [dyOf(dy)], { perm: inv })];
  },
};

/** Concat: dy split back into the inputs' extents along the axis. */
export const concatGrad: GradientRule = {
  opType: 'Concat',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const rank = ctx.shape(node.input[0]).length;
    const axis = (attrInt(node, 'axis', 0) + rank) % rank;
    const sizes = node.input.map((x) => ctx.shape(x)[axis]);
    if (node.input.length === 1) return [dyOf(dy)];
    return b.op('Split', [dyOf(dy), b.ints(sizes, 'split')], { axis }, sizes.length).map((g, i) => (ctx.needs(i) ? g : undefined));
  },
};

/** Split: the output gradients concatenated, zeros where an output got none. */
export const splitGrad: GradientRule = {
  opType: 'Split',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const rank = ctx.shape(node.input[0]).length;
    const axis = (attrInt(node, 'axis', 0) + rank) % rank;
    const parts = node.output.map((o, i) => dy[i] ?? b.op1('ConstantOfShape', [b.ints(ctx.shape(o), 'shape')], {}));
    return [parts.length === 1 ? parts[0] : b.op1('Concat', parts, { axis })];
  },
};

/** Slice (unit steps): dy padded with zeros back to x's extent. */
export const sliceGrad: GradientRule = {
  opType: 'Slice',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const xShape = ctx.shape(node.input[0]);
    const rank = xShape.length;
    const starts = attrInts(node, 'starts') ?? ctx.ints(node.input[1]);
    const ends = attrInts(node, 'ends') ?? ctx.ints(node.input[2]);
    const axes = attrInts(node, 'axes') ?? ctx.ints(node.input[3]) ?? starts?.map((_, i) => i);
    const steps = ctx.ints(node.input[4]);
    if (!starts || !ends || !axes) throw new Error(`Slice ${node.name}: starts/ends must be constant to differentiate`);
    if (steps && steps.some((s) => s !== 1)) throw new Error(`Slice ${node.name}: only unit steps have a gradient`);
    const before = new Array<number>(rank).fill(0);
    const after = new Array<number>(rank).fill(0);
    axes.forEach((a0, i) => {
      const a = a0 < 0 ? a0 + rank : a0;
      const d = xShape[a];
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      const s = clamp(starts[i]);
      const e = Math.max(s, clamp(ends[i]));
      before[a] = s;
      after[a] = d - e;
    });
    return [b.op1('Pad', [dyOf(dy), b.ints([...before, ...after], 'pads')])];
  },
};
