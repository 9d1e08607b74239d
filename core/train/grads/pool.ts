import { attrInt, attrInts } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';
import { geometry } from './conv-geometry';

/**
 * MaxPool routes dy to each window's argmax. The forward node is asked for its Indices output (flat
 * over the whole tensor), and ScatterElements with add-reduction (opset 16) accumulates overlapping windows.
 */
export const maxPoolGrad: GradientRule = {
  opType: 'MaxPool',
  rewriteForward(node, b) {
    if (!node.output[1]) node.output[1] = b.fresh('maxpool_indices');
  },
  grad(ctx, dy) {
    const { b, node } = ctx;
    const xs = ctx.shape(node.input[0]);
    const total = xs.reduce((a, c) => a * c, 1);
    const zeros = b.op1('ConstantOfShape', [b.ints([total], 'shape')]);
    const idx = b.reshape(node.output[1], [-1]);
    const flat = b.op1('ScatterElements', [zeros, idx, b.reshape(dyOf(dy), [-1])], { axis: 0, reduction: 'add' });
    return [b.reshape(flat, xs)];
  },
};

/**
 * AveragePool: dy divided by each window's element count, spread over the window by a ConvTranspose with
 * a ones kernel (no pads), then cropped or zero-extended back to x's extent.
 */
export const averagePoolGrad: GradientRule = {
  opType: 'AveragePool',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const xs = ctx.shape(node.input[0]);
    const ys = ctx.shape(node.output[0]);
    const kernel = attrInts(node, 'kernel_shape')!;
    if (xs.length !== 4) throw new Error(`AveragePool ${node.name}: only 2-D has a gradient rule`);
    const geo = geometry(node, kernel, xs, ys);
    const includePad = attrInt(node, 'count_include_pad', 0) === 1;
    // Per-output-position divisor, as the forward pass used it (windows clipped to the padded extent).
    const counts = new Float32Array(ys[2] * ys[3]);
    const extent = (i: number, o: number) => {
      const start = o * geo.strides[i] - geo.padsBegin[i];
      const end = start + kernel[i];
      const lo = includePad ? -geo.padsBegin[i] : 0;
      const hi = includePad ? xs[2 + i] + geo.padsEnd[i] : xs[2 + i];
      return Math.max(0, Math.min(end, hi) - Math.max(start, lo));
    };
    for (let oh = 0; oh < ys[2]; oh++) for (let ow = 0; ow < ys[3]; ow++) counts[oh * ys[3] + ow] = 1 / (extent(0, oh) * extent(1, ow));
    const scaled = b.op1('Mul', [dyOf(dy), b.floats([1, 1, ys[2], ys[3]], counts, 'inv_count')]);
    const c = xs[1];
    const ones = b.floats([c, 1, ...kernel], new Float32Array(c * kernel[0] * kernel[1]).fill(1), 'ones');
    const spread = b.op1('ConvTranspose', [scaled, ones], { strides: geo.strides, group: c, kernel_shape: kernel });
    // spread covers padded coordinates [-padBegin, (O−1)s + k − padBegin); keep [0, X).
    const full = [0, 1].map((i) => (ys[2 + i] - 1) * geo.strides[i] + kernel[i]);
    const ends = [0, 1].map((i) => Math.min(full[i], geo.padsBegin[i] + xs[2 + i]));
    const cropped = b.op1('Slice', [spread, b.ints(geo.padsBegin, 'starts'), b.ints(ends, 'ends'), b.ints([2, 3], 'axes')]);
    const short = [0, 1].map((i) => xs[2 + i] - (ends[i] - geo.padsBegin[i]));
    if (short.every((s) => s === 0)) return [cropped];
    return [b.op1('Pad', [cropped, b.ints([0, 0, 0, 0, 0, 0, short[0], short[1]], 'pads')])];
  },
};
