// Axis domains and tick labels for the report's charts, from d3-scale (no DOM needed): "nice"
// round bounds, ticks on round numbers, each label formatted to the precision its step needs, so
// no two labels read alike and none falls outside the plot.
import { scaleLinear } from 'd3-scale';

export interface Axis {
  /** The domain the plot spans, [lo, hi]: every value and every tick lies within it. */
  domain: [number, number];
  ticks: { value: number; label: string }[];
}

/**
 * A linear axis over `values`, widened to round bounds. `cap` is a bound the quantity cannot pass
 * (100 for a score in points): a nice bound beyond it would draw a tick no model can reach (100.1 %).
 */
export function niceAxis(values: readonly number[], count = 5, cap?: number): Axis {
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (hi - lo < 1e-9) {
    // One value (or equal ones): a small band around it, so the point sits mid-plot.
    const half = Math.max(Math.abs(lo) * 0.01, 0.5);
    lo -= half;
    hi += half;
  }
  const scale = scaleLinear().domain([lo, hi]).nice(count);
  let [d0, d1] = scale.domain() as [number, number];
  if (cap !== undefined && hi <= cap && d1 > cap) d1 = cap;
  const format = scale.tickFormat(count);
  const ticks = scale.ticks(count).filter((v) => v >= d0 - 1e-9 && v <= d1 + 1e-9).map((value) => ({ value, label: format(value) }));
  return { domain: [d0, d1], ticks };
}
