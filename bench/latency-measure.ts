import { patternFeed } from '../core/latency/fixed-shape';
import { ModelSession } from '../core/runtime/session';

/** What measuring one candidate cost and found: `slimflow bench`'s procedure, timed piece by piece. */
export interface Measured {
  /** Wall time of each timed run, ms (what `slimflow bench` takes the median of). */
  wallMs: number[];
  /** Process CPU time of the same runs, ms: onnxruntime runs at 1 thread on the calling thread, so wall − CPU is time the run spent preempted. */
  cpuMs: number[];
  /** Session creation + warm-up runs + timed runs, ms: the cost of one `slimflow bench`. */
  costMs: number;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * `slimflow bench` (session, `warmup` untimed runs, `repeats` timed runs at 1 thread) for every
 * candidate, in interleaved blocks: all sessions are made first, then each round gives every candidate
 * one untimed run and a block of consecutive timed runs. Blocks, not single runs: a candidate that
 * follows 14 others starts with their weights in the caches, and one-run interleaving measured every
 * run cold (medians 10–30 % above `slimflow bench`'s, which runs a model back to back). Rounds still
 * spread a burst of load from other processes over all candidates instead of one. Each candidate gets
 * exactly `warmup + repeats` runs, as `slimflow bench` gives it.
 */
export async function measureInterleaved(cands: { bytes: Uint8Array; shape: number[] }[], opts: { warmup?: number; repeats?: number } = {}): Promise<Measured[]> {
  const { warmup = 5, repeats = 30 } = opts;
  const rounds = Math.max(1, Math.min(warmup, repeats));
  const feeds = cands.map((c) => patternFeed({ x: c.shape }));
  const out: Measured[] = cands.map(() => ({ wallMs: [], cpuMs: [], costMs: 0 }));
  const sessions: ModelSession[] = [];
  try {
    for (const [k, c] of cands.entries()) {
      const t0 = performance.now();
      sessions.push(await ModelSession.create(c.bytes, { threads: 1 }));
      out[k].costMs += performance.now() - t0;
    }
    for (let r = 0; r < rounds; r++) {
      // Untimed runs and timed runs spread evenly over the rounds (the first rounds take any remainder).
      const untimed = Math.floor(warmup / rounds) + (r < warmup % rounds ? 1 : 0);
      const timed = Math.floor(repeats / rounds) + (r < repeats % rounds ? 1 : 0);
      for (const [k, s] of sessions.entries()) {
        for (let i = 0; i < untimed + timed; i++) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await s.run(feeds[k]);
          const wall = performance.now() - t0;
          const cpu = process.cpuUsage(c0);
          out[k].costMs += wall;
          if (i < untimed) continue;
          out[k].wallMs.push(wall);
          out[k].cpuMs.push((cpu.user + cpu.system) / 1000);
        }
      }
    }
    return out;
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** Median as `slimflow bench` reports it (mean of the two middle runs for an even count). */
export const medianOf = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Quantile q of a sample (nearest rank). */
export const quantileOf = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
