// Expected improvement for a maximised objective, on the forest's mean and variance (as SMAC does).

/** The standard normal density. */
const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** The standard normal CDF via erfc (W. J. Cody-style rational approximation, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** E[max(0, f(x) − best − xi)] for f(x) ~ N(mean, variance); the plain improvement when variance is 0. */
export function expectedImprovement(mean: number, variance: number, best: number, xi = 0): number {
  const gain = mean - best - xi;
  const sd = Math.sqrt(Math.max(variance, 0));
  if (sd < 1e-12) return Math.max(0, gain);
  const z = gain / sd;
  return gain * normalCdf(z) + sd * phi(z);
}
