import { Rng } from '../data/rng';

/**
 * The sample order of an epoch: a Fisher–Yates shuffle seeded by (seed, epoch). The whole RNG state of
 * the data order is therefore (seed, epoch, cursor) — what a checkpoint records to resume exactly.
 */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  const rng = new Rng((seed * 1000003 + epoch * 7919) | 0);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
