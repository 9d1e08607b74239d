import { Booster, fitBooster, predictBooster } from './trees';
import { bytesMoved, configKey, features, NodeConfig } from './signature';
import { LatencyTable } from './table';

/** How a node's cost was found: measured exactly, predicted by its op's regressor, or guessed. */
export type CostMethod = 'table' | 'regressor' | 'scaled' | 'fallback';

export interface NodeCost { us: number; method: CostMethod }

const lowerQuartile = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 4)];

/** Fewer entries than this and an op gets byte-scaling from its nearest entry instead of trees. */
const MIN_TRAIN = 6;

/**
 * Per-op cost model built from a table: exact hits first, then the op's boosted trees, then (for
 * ops the table never saw) a memory-bound guess from bytes moved, fitted over every non-compute op.
 */
export class LatencyPredictor {
  private readonly exact = new Map<string, number>();
  private readonly boosters = new Map<string, Booster>();
  private readonly few = new Map<string, { bytes: number; us: number }[]>();
  private readonly fallback: Booster;
  readonly trainMs: number;

  constructor(readonly table: LatencyTable) {
    const t0 = performance.now();
    const byKey = new Map<string, number[]>();
    const byOp = new Map<string, NodeConfig[]>();
    for (const e of table.entries) {
      const k = configKey(e.config);
      const same = byKey.get(k);
      if (same) { same.push(e.us); continue; }
      byKey.set(k, [e.us]);
      const fam = byOp.get(e.config.op);
      if (fam) fam.push(e.config); else byOp.set(e.config.op, [e.config]);
    }
    // A configuration seen in several sources was timed at several moments: the lower quartile keeps
    // the moments another process was not competing for the cores, without chasing a single outlier.
    for (const [k, v] of byKey) this.exact.set(k, lowerQuartile(v));
    for (const [op, configs] of byOp) {
      // One row per distinct configuration (its lower quartile), so repeated layers do not dominate.
      const rows = configs.map((c) => [configKey(c), c] as const).map(([k, c]) => ({ x: features(c), y: Math.log(Math.max(this.exact.get(k)!, 0.05)), c }));
      if (rows.length >= MIN_TRAIN) this.boosters.set(op, fitBooster(rows.map((r) => r.x), rows.map((r) => r.y)));
      else this.few.set(op, rows.map((r) => ({ bytes: bytesMoved(r.c), us: Math.exp(r.y) })));
    }
    const mem = table.entries.filter((e) => features(e.config)[0] === 0);
    const memRows = (mem.length ? mem : table.entries).map((e) => ({ x: [Math.log(Math.max(bytesMoved(e.config), 1)), 0], y: Math.log(Math.max(e.us, 0.05)) }));
    this.fallback = fitBooster(memRows.map((r) => r.x), memRows.map((r) => r.y), { rounds: 0 });
    this.trainMs = performance.now() - t0;
  }

  /** Op families the predictor can cost without guessing. */
  get knownOps(): string[] {
    return [...new Set([...this.boosters.keys(), ...this.few.keys()])].sort();
  }

  /** Cost of one node configuration, microseconds, and how it was obtained. */
  cost(c: NodeConfig): NodeCost {
    const hit = this.exact.get(configKey(c));
    if (hit !== undefined) return { us: hit, method: 'table' };
    const b = this.boosters.get(c.op);
    if (b) return { us: Math.exp(predictBooster(b, features(c))), method: 'regressor' };
    const few = this.few.get(c.op);
    if (few?.length) {
      // Nearest measured size, scaled by bytes: the small families here (Softmax, Concat…) are memory bound.
      const bytes = bytesMoved(c);
      const near = few.reduce((p, q) => (Math.abs(Math.log(q.bytes / bytes)) < Math.abs(Math.log(p.bytes / bytes)) ? q : p));
      return { us: near.us * (bytes / near.bytes), method: 'scaled' };
    }
    return { us: Math.exp(predictBooster(this.fallback, [Math.log(Math.max(bytesMoved(c), 1)), 0])), method: 'fallback' };
  }
}
