import { Mask } from './masks';

/** Keep the largest-magnitude (1 − ratio) share of the weights; ties broken by index so masks are deterministic. */
export function magnitudeMask(w: Float32Array, ratio: number): Mask {
  const n = w.length;
  const drop = Math.min(n, Math.max(0, Math.round(n * ratio)));
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
  const mask = new Float32Array(n).fill(1);
  for (let k = 0; k < drop; k++) mask[idx[k]] = 0;
  return mask;
}

/**
 * Gradual magnitude pruning (Zhu & Gupta): sparsity rises from `initial` to `target` along a cubic
 * between `begin` and `end` steps, so the network adapts as weights go; constant afterwards.
 */
export function gmpSparsity(step: number, opts: { target: number; initial?: number; begin?: number; end: number }): number {
  const s0 = opts.initial ?? 0;
  const begin = opts.begin ?? 0;
  if (step < begin) return s0;
  if (step >= opts.end || opts.end <= begin) return opts.target;
  const t = (step - begin) / (opts.end - begin);
  return opts.target + (s0 - opts.target) * (1 - t) ** 3;
}
