import { z } from 'zod';
import { StreamingHistogram } from '../histogram';
import { argminIndex, thresholdCandidates } from '../histogram-search';
import { histogramCalibrator, histogramParams } from './histogram-calibrator';

const params = z.strictObject({ ...histogramParams });
type Params = z.output<typeof params>;

/**
 * Relative entropy KL(P‖Q) of clipping |x| at the first i bins: P is the clipped histogram with
 * the values beyond folded into its last bin; Q is the clipped histogram *without* them, squeezed to
 * `levels` quantization levels (each level's mass spread evenly over its non-empty bins). The folded
 * tail is what Q lacks, so clipping too much is penalized and clipping too little costs resolution.
 */
export function clippingDivergence(abs: Float64Array, i: number, levels: number): number {
  let outliers = 0;
  for (let j = i; j < abs.length; j++) outliers += abs[j];
  let inside = 0;
  for (let j = 0; j < i; j++) inside += abs[j];
  const pTotal = inside + outliers;
  if (pTotal === 0) return 0;
  // A P bin that Q leaves empty (only folded outliers in it) costs as if Q had a tiny mass there.
  const floor = 1e-12;
  let kl = 0;
  for (let l = 0; l < levels; l++) {
    const from = Math.floor((l * i) / levels);
    const to = Math.floor(((l + 1) * i) / levels);
    let mass = 0;
    let filled = 0;
    for (let j = from; j < to; j++) if (abs[j] > 0) { mass += abs[j]; filled++; }
    const q = filled && inside ? mass / filled / inside : 0;
    for (let j = from; j < to; j++) {
      const pj = (abs[j] + (j === i - 1 ? outliers : 0)) / pTotal;
      if (pj > 0) kl += pj * Math.log(pj / (abs[j] > 0 ? q : floor));
    }
  }
  return kl;
}

/** Quantization levels on one side of zero: all 255 steps for non-negative data, about half otherwise. */
const levelsFor = (h: StreamingHistogram, symmetric: boolean) => (!symmetric && h.min >= 0 ? 255 : 128);

/**
 * TensorRT-style entropy calibration: among thresholds on |x| from `levels` bins up to the largest
 * value, the one whose clipped-and-quantized distribution loses the least information (smallest KL).
 */
export const klCalibrator = histogramCalibrator<Params>({
  name: 'KL',
  paramsSchema: params,
  searchSpace: { bins: [1024, 2048], symmetric: [false, true] },
  threshold(h, p) {
    const { jMax, threshold } = thresholdCandidates(h);
    const levels = levelsFor(h, p.symmetric);
    // Fewer bins than levels below the largest value: the histogram cannot resolve any clipping.
    if (jMax <= levels) return threshold(jMax);
    const abs = h.absCounts();
    // The divergence jumps as level boundaries move, so coarse-to-fine search misses its minimum: sweep all.
    return threshold(argminIndex(levels, jMax, (i) => clippingDivergence(abs, i, levels), jMax));
  },
});
