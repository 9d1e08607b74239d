/**
 * A small deterministic gradient-boosted regression-tree ensemble on top of a log-linear baseline.
 * Written here because this session had no rights to add a dependency (a maintained library such as
 * ml-random-forest was the first choice); it is a few dozen lines and fully deterministic.
 *
 * The baseline log(t) ≈ w·[1, log MACs, log bytes] carries the scale and extrapolates sensibly to
 * configurations larger or smaller than any in the table; the trees fit what is left (kernel efficiency
 * of narrow channels, strides, odd spatial sizes), which trees do well and lines do not.
 */

interface Split { feature: number; threshold: number; left: TreeNode; right: TreeNode }
type TreeNode = { value: number } | Split;

export interface BoostOptions { rounds?: number; depth?: number; minLeaf?: number; rate?: number }

export interface Booster {
  /** Baseline weights over [1, x[0], x[1]]. */
  linear: number[];
  trees: TreeNode[];
  rate: number;
}

/** Ridge least squares for y ≈ w·[1, x0, x1]. */
function fitLinear(xs: number[][], ys: number[]): number[] {
  const rows = xs.map((x) => [1, x[0], x[1]]);
  const a = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const b = [0, 0, 0];
  rows.forEach((r, i) => {
    for (let p = 0; p < 3; p++) {
      b[p] += r[p] * ys[i];
      for (let q = 0; q < 3; q++) a[p][q] += r[p] * r[q];
    }
  });
  for (let p = 0; p < 3; p++) a[p][p] += 1e-3 * (p === 0 ? 0 : 1) * rows.length + 1e-9;
  return solve3(a, b);
}

/** Gaussian elimination with partial pivoting for a 3×3 system. */
function solve3(a: number[][], b: number[]): number[] {
  const m = a.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < 3; c++) {
    let piv = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    if (Math.abs(m[c][c]) < 1e-12) continue;
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((r, i) => (Math.abs(r[i]) < 1e-12 ? 0 : r[3] / r[i]));
}

/**
 * One regression tree on residuals `rs` over the rows in `member`. Each feature is sorted once per
 * booster (`order`), and a node scans those orders filtered by membership: O(rows·features) per node
 * instead of a sort per node, which kept training on a 1000-config op family to milliseconds.
 */
function buildTree(xs: number[][], rs: number[], order: Int32Array[], member: Uint8Array, tag: number, count: number, depth: number, minLeaf: number): TreeNode {
  let total = 0;
  for (let i = 0; i < member.length; i++) if (member[i] === tag) total += rs[i];
  const mean = total / count;
  if (depth === 0 || count < 2 * minLeaf) return { value: mean };
  let best: { gain: number; feature: number; threshold: number; nl: number } | undefined;
  for (let f = 0; f < order.length; f++) {
    const ord = order[f];
    let leftSum = 0;
    let nl = 0;
    let prev = -1;
    for (let k = 0; k < ord.length; k++) {
      const i = ord[k];
      if (member[i] !== tag) continue;
      if (prev >= 0 && nl >= minLeaf && count - nl >= minLeaf && xs[prev][f] !== xs[i][f]) {
        // Variance reduction up to a constant: maximise sumL²/nL + sumR²/nR.
        const gain = (leftSum * leftSum) / nl + ((total - leftSum) ** 2) / (count - nl);
        if (!best || gain > best.gain + 1e-12) best = { gain, feature: f, threshold: (xs[prev][f] + xs[i][f]) / 2, nl };
      }
      leftSum += rs[i];
      nl++;
      prev = i;
    }
  }
  if (!best || best.gain <= (total * total) / count + 1e-12) return { value: mean };
  const { feature, threshold, nl } = best;
  // Children get fresh tags; rows keep one tag per depth, so siblings never see each other's rows.
  const [lt, rt] = [tag * 2 + 1, tag * 2 + 2];
  for (let i = 0; i < member.length; i++) if (member[i] === tag) member[i] = xs[i][feature] <= threshold ? lt : rt;
  const left = buildTree(xs, rs, order, member, lt, nl, depth - 1, minLeaf);
  const right = buildTree(xs, rs, order, member, rt, count - nl, depth - 1, minLeaf);
  for (let i = 0; i < member.length; i++) if (member[i] === lt || member[i] === rt) member[i] = tag;
  return { feature, threshold, left, right };
}

const treeValue = (t: TreeNode, x: number[]): number => {
  let n = t;
  while (!('value' in n)) n = x[n.feature] <= n.threshold ? n.left : n.right;
  return n.value;
};

/** Fit the baseline, then `rounds` shallow trees on the residuals (squared loss, shrinkage `rate`). */
export function fitBooster(xs: number[][], ys: number[], opts: BoostOptions = {}): Booster {
  const { rounds = 80, depth = 3, minLeaf = 2, rate = 0.2 } = opts;
  const linear = fitLinear(xs, ys);
  const pred = xs.map((x) => linear[0] + linear[1] * x[0] + linear[2] * x[1]);
  const trees: TreeNode[] = [];
  const n = xs.length;
  if (depth > 6) throw new Error('tree depth above 6 overflows the membership tags');
  const order = (xs[0] ?? []).map((_, f) => Int32Array.from(xs.map((_, i) => i)).sort((p, q) => xs[p][f] - xs[q][f] || p - q));
  const member = new Uint8Array(n);
  if (n >= 2 * minLeaf) {
    for (let r = 0; r < rounds; r++) {
      const res = ys.map((y, i) => y - pred[i]);
      const t = buildTree(xs, res, order, member, 0, n, depth, minLeaf);
      trees.push(t);
      xs.forEach((x, i) => { pred[i] += rate * treeValue(t, x); });
    }
  }
  return { linear, trees, rate };
}

/** Prediction of a fitted booster. */
export const predictBooster = (b: Booster, x: number[]): number =>
  b.linear[0] + b.linear[1] * x[0] + b.linear[2] * x[1] + b.trees.reduce((s, t) => s + b.rate * treeValue(t, x), 0);
