// A small seeded PRNG for the search. Math.random is not seedable, and inside the workflow
// sandbox it is replaced by a replay-stable generator we do not control: every random choice of
// the search draws from this instead, so the same seed and history give the same proposals.
import { Mulberry32 } from '../mulberry32';

/** A seeded generator of uniform numbers in [0, 1) (mulberry32: 32-bit state, fast, good enough for sampling). */
export class Prng extends Mulberry32 {
  constructor(seed: number) {
    // Mix the seed so nearby seeds (0, 1, 2…) start far apart.
    super(hash32(seed >>> 0, 0x9e3779b9));
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A Fisher–Yates shuffled copy. */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** Combine two 32-bit values into a well-mixed 32-bit hash (for deriving sub-seeds). */
export function hash32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x85ebca6b, 0xc2b2ae35) ^ b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
