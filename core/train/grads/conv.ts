import { GradContext, GradientRule, dyOf } from './rule';
import { Geometry, geometry, oneHotKernel } from './conv-geometry';
import { GraphBuilder } from '../builder';

const spatialAttrs = (g: Geometry) => ({ strides: g.strides, dilations: g.dilations, pads: [...g.padsBegin, ...g.padsEnd], group: g.group });

/**
 * Windows of `x` as channels, [N, C·k, OH, OW], by a conv with a fixed one-hot kernel; a 1×1 unit-stride
 * unpadded window needs no conv at all (most PP-OCR layers are pointwise).
 */
export function patches(b: GraphBuilder, x: string, channels: number, geo: Geometry): string {
  const trivial = geo.kernel.every((k) => k === 1) && geo.strides.every((s) => s === 1)
    && [...geo.padsBegin, ...geo.padsEnd].every((p) => p === 0);
  if (trivial) return x;
  const k = oneHotKernel(channels, geo.kernel);
  return b.op1('Conv', [x, b.floats(k.dims, k.data, 'onehot')], { ...spatialAttrs(geo), group: channels, kernel_shape: geo.kernel });
}

/**
 * Σ over batch and positions of a·patchesᵀ per group: a [N, g·A, L], p [N, g·P, L] → [g·A, P].
 * This is the weight gradient of both Conv (a = dY, p = patches of X) and ConvTranspose (a = X, p = patches of dY).
 */
export function groupedOuter(b: GraphBuilder, a: string, aChannels: number, p: string, pChannels: number, n: number, group: number, length: number): string {
  const ar = b.reshape(a, [n, group, aChannels / group, length]);
  const pr = b.reshape(p, [n, group, pChannels / group, length]);
  const prod = b.op1('MatMul', [ar, b.op1('Transpose', [pr], { perm: [0, 1, 3, 2] })]);
  return b.reduceSum(prod, [0], 0);
}

/** Gradient of a conv bias: dY summed over batch and space. */
export const biasGrad = (ctx: GradContext, g: string, rank: number): string =>
  ctx.b.reduceSum(g, [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)], 0);

/** Conv (grouped, depthwise, strided, dilated, padded): dX by ConvTranspose, dW by patches × dY. */
export const convGrad: GradientRule = {
  opType: 'Conv',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [x, w, bias] = node.input;
    const g = dyOf(dy);
    const xs = ctx.shape(x);
    const ws = ctx.shape(w);
    const ys = ctx.shape(node.output[0]);
    if (xs.length !== 4) throw new Error(`Conv ${node.name}: only 2-D convolutions have a gradient rule`);
    const geo = geometry(node, ws.slice(2), xs, ys);
    let dx: string | undefined;
    if (ctx.needs(0)) {
      // ConvTranspose's output size leaves out the rows the forward stride skipped; output_padding adds them back.
      const outputPadding = [0, 1].map((i) => xs[2 + i] - ((ys[2 + i] - 1) * geo.strides[i] + (geo.kernel[i] - 1) * geo.dilations[i] + 1 - geo.padsBegin[i] - geo.padsEnd[i]));
      dx = b.op1('ConvTranspose', [g, w], { ...spatialAttrs(geo), kernel_shape: geo.kernel, output_padding: outputPadding });
    }
    let dw: string | undefined;
    if (ctx.needs(1)) {
      const p = patches(b, x, xs[1], geo);
      const kk = geo.kernel[0] * geo.kernel[1];
      dw = b.reshape(groupedOuter(b, g, ys[1], p, xs[1] * kk, xs[0], geo.group, ys[2] * ys[3]), ws);
    }
    const db = bias && ctx.needs(2) ? biasGrad(ctx, g, 4) : undefined;
    return [dx, dw, db];
  },
};

/** ConvTranspose: dX is the forward Conv of dY, dW pairs X with patches of dY. */
export const convTransposeGrad: GradientRule = {
  opType: 'ConvTranspose',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [x, w, bias] = node.input;
    const g = dyOf(dy);
    const xs = ctx.shape(x);
    const ws = ctx.shape(w);
    const ys = ctx.shape(node.output[0]);
    if (xs.length !== 4) throw new Error(`ConvTranspose ${node.name}: only 2-D has a gradient rule`);
    const geo = geometry(node, ws.slice(2), xs, ys, true);
    const dx = ctx.needs(0) ? b.op1('Conv', [g, w], { ...spatialAttrs(geo), kernel_shape: geo.kernel }) : undefined;
    let dw: string | undefined;
    if (ctx.needs(1)) {
      const p = patches(b, g, ys[1], geo);
      const kk = geo.kernel[0] * geo.kernel[1];
      dw = b.reshape(groupedOuter(b, x, xs[1], p, ys[1] * kk, xs[0], geo.group, xs[2] * xs[3]), ws);
    }
    const db = bias && ctx.needs(2) ? biasGrad(ctx, g, 4) : undefined;
    return [dx, dw, db];
  },
};
