/**
 * mulberry32: a 32-bit-state seeded generator, fast and good enough for sampling. Shared by the
 * data renderer (core/data/rng.ts) and the search (core/search/prng.ts), which seed it each in
 * their own way: the streams they produce (and so the rendered data and the recorded search
 * histories) are unchanged by the sharing.
 */
export class Mulberry32 {
  private state: number;

  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** The next uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
