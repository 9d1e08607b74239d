import { Mulberry32 } from '../mulberry32';

/**
 * A small seeded PRNG (mulberry32). Every random choice in dataset generation goes through it so that the
 * same seed gives byte-identical samples on every machine; Math.random would break reproducibility.
 */
export class Rng extends Mulberry32 {
  constructor(seed: number) {
    // Mix the seed once so that neighbouring seeds (0, 1, 2…) do not start with correlated streams.
    super((Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0);
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal sample (Box–Muller); used for pixel noise. */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
