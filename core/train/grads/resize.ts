import { getAttr } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';

const strAttr = (v: Uint8Array | undefined, d: string) => (v ? new TextDecoder().decode(v) : d);

/**
 * Resize by whole-number factors in nearest mode (the detector's FPN upsampling): each input pixel is
 * copied into an s×s block, so its gradient is the block's sum. Other modes are refused by name.
 */
export const resizeGrad: GradientRule = {
  opType: 'Resize',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const mode = strAttr(getAttr(node, 'mode')?.s, 'nearest');
    const xs = ctx.shape(node.input[0]);
    const ys = ctx.shape(node.output[0]);
    const factors = ys.map((d, i) => d / xs[i]);
    const ctm = strAttr(getAttr(node, 'coordinate_transformation_mode')?.s, 'half_pixel');
    const nearestMode = strAttr(getAttr(node, 'nearest_mode')?.s, 'round_prefer_floor');
    const ok = mode === 'nearest' && factors.every((f) => Number.isInteger(f) && f >= 1)
      && ((ctm === 'asymmetric' && nearestMode === 'floor') || factors.every((f) => f <= 2));
    if (!ok) throw new Error(`Resize ${node.name}: only nearest upsampling by whole factors has a gradient rule (mode ${mode}, ${ctm}/${nearestMode}, factors ${factors})`);
    // [N, C, H, W] upsampled → [N, C, H, sh, W, sw]; summing the s axes undoes the copies.
    const split = xs.flatMap((d, i) => [d, factors[i]]);
    const blocks = b.reshape(dyOf(dy), split);
    const axes = factors.map((_, i) => 2 * i + 1);
    return [b.reshape(b.reduceSum(blocks, axes, 0), xs)];
  },
};
