// Embedding: mean cosine to the teacher's embedding (100·cos), and nearest-neighbour agreement: each
// sample's nearest other sample of the evaluation set, by cosine, is the same in both spaces.
//
// [N, D] sentence embeddings are compared as rows. [N, T, D] token embeddings are compared per sample
// over all T·D values: that sees every token's error, where a mean over tokens lets errors cancel and
// would count padding tokens unless the attention mask came along (the meter does not see inputs).
// The neighbour search keeps one vector per sample, so there it uses the tokens' mean (D values, not
// T·D: a few thousand samples of 128×384 values would not fit in memory).
import { z } from 'zod';
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { cosine } from '../agreement';
import { defineTask, LabelTally, outputPair, TaskMeter, TaskResult } from './types';

const params = z.strictObject({
  /** Samples kept for the neighbour search (the first ones seen); its cost grows with their square. */
  neighbour_samples: z.number().int().min(2).default(2000),
});

/** One sample's vector for the neighbour search, scaled to unit length (a zero vector stays zero). */
function unitVector(v: ArrayLike<number>, off: number, tokens: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (let k = 0; k < tokens; k++) for (let j = 0; j < dim; j++) out[j] += v[off + k * dim + j];
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += out[j] * out[j];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < dim; j++) out[j] /= norm;
  return out;
}

/** Dot product of rows a and b (offsets) of a contiguous matrix, four partial sums at a time. */
function rowDot(m: Float64Array, a: number, b: number, dim: number): number {
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  let k = 0;
  for (; k + 3 < dim; k += 4) {
    d0 += m[a + k] * m[b + k];
    d1 += m[a + k + 1] * m[b + k + 1];
    d2 += m[a + k + 2] * m[b + k + 2];
    d3 += m[a + k + 3] * m[b + k + 3];
  }
  for (; k < dim; k++) d0 += m[a + k] * m[b + k];
  return d0 + d1 + d2 + d3;
}

/** Index of each vector's most similar other vector by dot product (ties go to the lower index). */
export function nearestNeighbours(vectors: readonly Float32Array[]): Int32Array {
  const n = vectors.length;
  const dim = n === 0 ? 0 : vectors[0].length;
  // One contiguous matrix, so the inner loop runs over a single typed array.
  const m = new Float64Array(n * dim);
  vectors.forEach((v, i) => m.set(v, i * dim));
  const best = new Int32Array(n).fill(-1);
  const bestSim = new Float64Array(n).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dot = rowDot(m, i * dim, j * dim, dim);
      if (dot > bestSim[i]) {
        bestSim[i] = dot;
        best[i] = j;
      }
      if (dot > bestSim[j]) {
        bestSim[j] = dot;
        best[j] = i;
      }
    }
  }
  return best;
}

class EmbeddingMeter implements TaskMeter {
  readonly task = 'embedding';
  private readonly tally = new LabelTally();
  private cosineSum = 0;
  private samples = 0;
  private readonly studentVectors: Float32Array[] = [];
  private readonly teacherVectors: Float32Array[] = [];

  constructor(private readonly p: z.output<typeof params>) {}

  update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]): void {
    const { s, t } = outputPair(this.task, student, teacher, 2);
    if (student.dims.length > 3) {
      throw new SlimflowError('SHAPE_MISMATCH', `embedding needs [N, D] or [N, T, D] outputs, got [${student.dims.join(', ')}]; for other outputs use task generic`, 'embedding.student');
    }
    // Labels do not change an embedding's score; they are only tallied.
    this.tally.see(labels);
    const n = student.dims[0];
    const dim = student.dims[student.dims.length - 1];
    const tokens = student.dims.length === 3 ? student.dims[1] : 1;
    const per = tokens * dim;
    for (let i = 0; i < n; i++) {
      this.cosineSum += cosine(t, s, i * per, per);
      if (this.studentVectors.length < this.p.neighbour_samples) {
        this.studentVectors.push(unitVector(s, i * per, tokens, dim));
        this.teacherVectors.push(unitVector(t, i * per, tokens, dim));
      }
    }
    this.samples += n;
  }

  result(): TaskResult {
    this.tally.requireSome(this.task);
    const meanCosine = this.samples === 0 ? NaN : this.cosineSum / this.samples;
    const details: Record<string, number> = { cosine: meanCosine, samples: this.samples };
    if (this.studentVectors.length >= 2) {
      const ns = nearestNeighbours(this.studentVectors);
      const nt = nearestNeighbours(this.teacherVectors);
      let same = 0;
      for (let i = 0; i < ns.length; i++) if (ns[i] === nt[i]) same++;
      details.neighbourAgreement = (100 * same) / ns.length;
      details.neighbourSamples = ns.length;
    }
    return { score: 100 * meanCosine, metric: 'mean cosine to the teacher ×100', labeled: false, details };
  }
}

export const embeddingTask = defineTask({
  name: 'embedding',
  description: '[N, D] or [N, T, D] embeddings: mean cosine to the teacher (100·cos); nearest-neighbour agreement beside; labels are not used',
  params,
  create: (p) => new EmbeddingMeter(p),
});
