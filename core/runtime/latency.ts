import { Tensor } from '../tensor';
import { ModelSession } from './session';

export interface LatencyOptions { threads?: number; warmup?: number; repeats?: number }
export interface LatencyResult { medianMs: number; p10Ms: number; p90Ms: number; samples: number[] }

/** Quantile by linear interpolation over sorted samples. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Wall-clock latency of one forward pass: fixed threads, warm-up runs discarded, median and spread of the repeats. */
export async function measureLatency(model: string | Uint8Array, feeds: Record<string, Tensor>, opts: LatencyOptions = {}): Promise<LatencyResult> {
  const { threads = 1, warmup = 3, repeats = 20 } = opts;
  const session = await ModelSession.create(model, { threads });
  try {
    // Warm-up pays for allocator growth and first-run kernel selection, which steady state never sees.
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      samples.push(performance.now() - t0);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return { medianMs: quantile(sorted, 0.5), p10Ms: quantile(sorted, 0.1), p90Ms: quantile(sorted, 0.9), samples };
  } finally {
    await session.release();
  }
}

/**
 * Latency of several models measured in alternation (one run of each per round), so that load
 * from other processes on a shared machine hits every model alike; the ratios are what to trust.
 */
export async function compareLatency(models: Record<string, string | Uint8Array>, feeds: Record<string, Tensor>, opts: LatencyOptions = {}): Promise<Record<string, LatencyResult>> {
  const { threads = 1, warmup = 3, repeats = 20 } = opts;
  const sessions = Object.fromEntries(await Promise.all(Object.entries(models).map(async ([k, m]) => [k, await ModelSession.create(m, { threads })] as const)));
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(models).map((k) => [k, []]));
  try {
    for (const s of Object.values(sessions)) for (let i = 0; i < warmup; i++) await s.run(feeds);
    for (let r = 0; r < repeats; r++) {
      for (const [k, s] of Object.entries(sessions)) {
        const t0 = performance.now();
        await s.run(feeds);
        samples[k].push(performance.now() - t0);
      }
    }
  } finally {
    for (const s of Object.values(sessions)) await s.release();
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return [k, { medianMs: quantile(sorted, 0.5), p10Ms: quantile(sorted, 0.1), p90Ms: quantile(sorted, 0.9), samples: v }];
  }));
}
