import { Tensor } from '../tensor';
import { LatencyResult } from './latency';
import { ModelSession } from './session';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const mad = (xs: number[]) => {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
};

/**
 * The standard error of each model's median latency, in ms, with the machine's load divided out:
 * each round's time is divided by the first model's in the same round (interleaved rounds share the
 * load), the ratios' median absolute deviation is scaled to a standard deviation (×1.4826) and to
 * the standard error of a median (×1.2533/√rounds), and the first model's median turns it back
 * into ms. The first model is the yardstick; its own comes from its plain times.
 */
export function latencyNoise(samples: number[][]): number[] {
  const first = samples[0];
  const se = (xs: number[]) => (1.4826 * 1.2533 * mad(xs)) / Math.sqrt(xs.length);
  return samples.map((xs, k) => (k === 0 ? se(xs) : median(first) * se(xs.map((x, r) => x / first[r]))));
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
    const noise = latencyNoise(samples);
    return samples.map((xs, k) => ({ medianMs: median(xs), p10Ms: quantile(xs, 0.1), p90Ms: quantile(xs, 0.9), noiseMs: noise[k], samples: xs }));
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
