// A random-forest regressor as the search's surrogate: each tree is fitted on a bootstrap sample
// and considers a random subset of features at each split, so the spread of the trees' predictions
// is an honest (if rough) uncertainty, which is what expected improvement needs. Small by design:
// a search holds tens to hundreds of observations, so exhaustive split search is cheap.
import { Prng } from './prng';

type Node = { leaf: true; value: number } | { leaf: false; feature: number; threshold: number; left: Node; right: Node };

export interface ForestOptions {
  trees?: number;
  /** Fraction of features considered at each split (SMAC uses 5/6). */
  featureFraction?: number;
  /** A node with fewer samples becomes a leaf. */
  minSamplesSplit?: number;
  maxDepth?: number;
  seed?: number;
}

const mean = (ys: number[]) => ys.reduce((s, y) => s + y, 0) / ys.length;

/** One regression tree on rows `idx` of X (least-squares splits, mean at the leaves). */
function growTree(X: number[][], y: number[], idx: number[], depth: number, o: Required<ForestOptions>, rng: Prng): Node {
  const ys = idx.map((i) => y[i]);
  const value = mean(ys);
  if (idx.length < o.minSamplesSplit || depth >= o.maxDepth || ys.every((v) => v === ys[0])) return { leaf: true, value };
  const d = X[0].length;
  const k = Math.max(1, Math.round(d * o.featureFraction));
  const features = rng.shuffle([...Array(d).keys()]).slice(0, k);
  let best: { feature: number; threshold: number; sse: number } | undefined;
  for (const f of features) {
    const order = [...idx].sort((a, b) => X[a][f] - X[b][f]);
    // Prefix sums make every threshold's sum of squared errors O(1).
    let sl = 0, ql = 0;
    let sr = 0, qr = 0;
    for (const i of order) { sr += y[i]; qr += y[i] * y[i]; }
    for (let j = 0; j < order.length - 1; j++) {
      const v = y[order[j]];
      sl += v; ql += v * v; sr -= v; qr -= v * v;
      const a = X[order[j]][f], b = X[order[j + 1]][f];
      if (a === b) continue;
      const nl = j + 1, nr = order.length - nl;
      const sse = ql - (sl * sl) / nl + (qr - (sr * sr) / nr);
      if (!best || sse < best.sse - 1e-12) best = { feature: f, threshold: (a + b) / 2, sse };
    }
  }
  if (!best) return { leaf: true, value };
  const left = idx.filter((i) => X[i][best!.feature] <= best!.threshold);
  const right = idx.filter((i) => X[i][best!.feature] > best!.threshold);
  return { leaf: false, feature: best.feature, threshold: best.threshold, left: growTree(X, y, left, depth + 1, o, rng), right: growTree(X, y, right, depth + 1, o, rng) };
}

function predictTree(n: Node, x: readonly number[]): number {
  while (!n.leaf) n = x[n.feature] <= n.threshold ? n.left : n.right;
  return n.value;
}

/** A fitted forest: `predict` gives the mean and variance of the trees' predictions. */
export class RandomForest {
  private constructor(private readonly roots: Node[]) {}

  /** Fit on rows X (equal length) and targets y; deterministic for a given seed. */
  static fit(X: number[][], y: number[], opts: ForestOptions = {}): RandomForest {
    if (X.length === 0 || X.length !== y.length) throw new Error(`forest needs matching non-empty X and y (got ${X.length} rows, ${y.length} targets)`);
    const o: Required<ForestOptions> = { trees: 16, featureFraction: 5 / 6, minSamplesSplit: 3, maxDepth: 20, seed: 0, ...opts };
    const rng = new Prng(o.seed);
    const n = X.length;
    const roots: Node[] = [];
    for (let t = 0; t < o.trees; t++) {
      const sample = Array.from({ length: n }, () => rng.int(n));
      roots.push(growTree(X, y, sample, 0, o, rng));
    }
    return new RandomForest(roots);
  }

  /** Mean and variance across trees at x. */
  predict(x: readonly number[]): { mean: number; variance: number } {
    const ps = this.roots.map((r) => predictTree(r, x));
    const m = mean(ps);
    return { mean: m, variance: ps.reduce((s, p) => s + (p - m) * (p - m), 0) / ps.length };
  }
}
