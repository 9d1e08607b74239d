import { Tensor } from '../tensor';
import { LatencyResult } from './latency';
import { ModelSession } from './session';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/**
 * The noise of one model's timing: the median absolute deviation of its per-round times. Robust to
 * a few disturbed rounds; with 30 rounds it is about twice the standard error of the difference of
 * two medians, so two models closer than it cannot be told apart by this measurement.
 */
export function latencyNoise(xs: number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/**
 * Latency of several models measured side by side: all sessions loaded, each warmed up, then timed
 * in interleaved rounds (A B C, A B C, ...), so load from elsewhere on a noisy machine hits every
 * model alike and the ratios stay fair.
 */
export async function compareLatency(
  models: Array<string | Uint8Array>,
  feeds: Record<string, Tensor>,
  opts: { threads?: number; warmup?: number; rounds?: number; onRound?: (round: number) => void } = {},
): Promise<Array<LatencyResult & { noiseMs: number }>> {
  const { threads = 1, warmup = 3, rounds = 30 } = opts;
  const sessions: ModelSession[] = [];
  try {
    for (const m of models) sessions.push(await ModelSession.create(m, { threads }));
    for (const s of sessions) for (let i = 0; i < warmup; i++) await s.run(feeds);
    const samples: number[][] = sessions.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < sessions.length; k++) {
        const t0 = performance.now();
        await sessions[k].run(feeds);
        samples[k].push(performance.now() - t0);
      }
      opts.onRound?.(r);
    }
    return samples.map((xs) => ({ medianMs: median(xs), p10Ms: quantile(xs, 0.1), p90Ms: quantile(xs, 0.9), noiseMs: latencyNoise(xs), samples: xs }));
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
