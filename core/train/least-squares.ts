/**
 * Ridge least squares through the normal equations: accumulate A = Σ x·xᵀ and B = Σ y·xᵀ over
 * samples (x with a trailing 1 for the bias), then W = B·(A + λI)⁻¹ by Cholesky. Sizes here are a
 * few hundred features, so the JavaScript loops cost far less than the forward passes that feed them.
 */
export class RidgeAccumulator {
  readonly a: Float64Array;
  readonly b: Float64Array;
  constructor(readonly inputs: number, readonly outputs: number) {
    this.a = new Float64Array((inputs + 1) ** 2);
    this.b = new Float64Array(outputs * (inputs + 1));
  }

  /** Add samples: x as [inputs][count] planes, y as [outputs][count] planes (channel-major, like NCHW). */
  add(x: (i: number, p: number) => number, y: (o: number, p: number) => number, count: number): void {
    const d = this.inputs + 1;
    const xs = new Float64Array(d * count);
    for (let i = 0; i < this.inputs; i++) for (let p = 0; p < count; p++) xs[i * count + p] = x(i, p);
    xs.fill(1, this.inputs * count);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let s = 0;
        for (let p = 0; p < count; p++) s += xs[i * count + p] * xs[j * count + p];
        this.a[i * d + j] += s;
      }
    }
    const ys = new Float64Array(count);
    for (let o = 0; o < this.outputs; o++) {
      for (let p = 0; p < count; p++) ys[p] = y(o, p);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let p = 0; p < count; p++) s += ys[p] * xs[i * count + p];
        this.b[o * d + i] += s;
      }
    }
  }

  /** Solve; returns rows of `inputs + 1` coefficients (the last is the bias), or undefined if singular. */
  solve(lambda = 1e-3): Float64Array | undefined {
    const d = this.inputs + 1;
    const l = new Float64Array(d * d);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += this.a[i * d + i];
    const ridge = (lambda * trace) / d;
    // Cholesky of the (upper-stored) symmetric A + ridge·I, bias term unregularized.
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = this.a[j * d + i] + (i === j && i < d - 1 ? ridge : 0);
        for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
        if (i === j) {
          if (!(s > 0)) return undefined;
          l[i * d + i] = Math.sqrt(s);
        } else l[i * d + j] = s / l[j * d + j];
      }
    }
    const w = new Float64Array(this.outputs * d);
    const z = new Float64Array(d);
    for (let o = 0; o < this.outputs; o++) {
      for (let i = 0; i < d; i++) {
        let s = this.b[o * d + i];
        for (let k = 0; k < i; k++) s -= l[i * d + k] * z[k];
        z[i] = s / l[i * d + i];
      }
      for (let i = d - 1; i >= 0; i--) {
        let s = z[i];
        for (let k = i + 1; k < d; k++) s -= l[k * d + i] * w[o * d + k];
        w[o * d + i] = s / l[i * d + i];
      }
    }
    return w;
  }
}
