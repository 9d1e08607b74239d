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
 * candidate, interleaved: all sessions are made first, then rounds run each candidate once, so a burst
 * of load from other processes hits every candidate alike instead of one.
 */
export async function measureInterleaved(cands: { bytes: Uint8Array; shape: number[] }[], opts: { warmup?: number; repeats?: number } = {}): Promise<Measured[]> {
  const { warmup = 5, repeats = 30 } = opts;
  const feeds = cands.map((c) => patternFeed({ x: c.shape }));
  const out: Measured[] = cands.map(() => ({ wallMs: [], cpuMs: [], costMs: 0 }));
  const sessions: ModelSession[] = [];
  try {
    for (const [k, c] of cands.entries()) {
      const t0 = performance.now();
      sessions.push(await ModelSession.create(c.bytes, { threads: 1 }));
      out[k].costMs += performance.now() - t0;
    }
    for (let r = 0; r < warmup + repeats; r++) {
      for (const [k, s] of sessions.entries()) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await s.run(feeds[k]);
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        out[k].costMs += wall;
        if (r < warmup) continue;
        out[k].wallMs.push(wall);
        out[k].cpuMs.push((cpu.user + cpu.system) / 1000);
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
