import { attrInt, producerMap, readWeight, replaceWeight } from '../onnx/graph';
import { GraphProto, NodeProto } from '../onnx/proto';
import { Tensor } from '../tensor';
import { ActivationObserver } from './collect';
import { QuantizedWeight, quantizeWeightInt8 } from './weights';

/** The part of a plan's node mark that bias correction needs. */
export interface LayerMark {
  node: NodeProto;
  activationInputs: number[];
  weight: { slot: number; axis: number | undefined };
  bias?: number;
  weightQmax?: number;
  rounded?: QuantizedWeight;
}

/** Per-channel means of activation tensors, streamed (memory: one float per channel). */
export class ChannelMeanObserver implements ActivationObserver {
  private readonly sums = new Map<string, { sum: Float64Array; count: number }>();

  /** `axisOf(name, rank)`: the channel axis of each tensor (1 for NCHW, last for rows of features). */
  constructor(readonly tensors: string[], private readonly axisOf: (name: string, rank: number) => number) {}

  /** Fold one batch of one tensor in. */
  observe(name: string, t: Tensor): void {
    const axis = this.axisOf(name, t.dims.length);
    const channels = t.dims[axis];
    const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    let s = this.sums.get(name);
    if (!s) this.sums.set(name, (s = { sum: new Float64Array(channels), count: 0 }));
    const d = t.data as Float32Array;
    const outer = d.length / (channels * inner);
    let i = 0;
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < inner; k++) acc += d[i++];
        s.sum[c] += acc;
      }
    }
    s.count += outer * inner;
  }

  /** Mean of each channel of a tensor, or undefined if it was never seen. */
  mean(name: string): Float64Array | undefined {
    const s = this.sums.get(name);
    return s && s.count ? s.sum.map((v) => v / s.count) : undefined;
  }
}

/** A channel-mean observer for the inputs of the given layers. */
export function biasCorrectionObserver(marks: LayerMark[]): ChannelMeanObserver {
  const rowsOfFeatures = new Set(marks.filter((m) => m.node.opType !== 'Conv').map((m) => m.node.input[m.activationInputs[0]]));
  const inputs = [...new Set(marks.map((m) => m.node.input[m.activationInputs[0]]))];
  return new ChannelMeanObserver(inputs, (name, rank) => (rowsOfFeatures.has(name) ? rank - 1 : 1));
}

export interface BiasCorrectionReport {
  corrected: { layer: string; maxShift: number }[];
  skipped: { layer: string; reason: string }[];
}

/**
 * Empirical bias correction: fold the expected output shift that weight quantization causes,
 * E[W_q x] − E[W x] = (W_q − W)·E[x] per output channel, out of each layer's float bias, in place.
 * The emitter then quantizes the corrected bias. W_q is the emitter's: a learned rounding if any, else nearest.
 */
export function applyBiasCorrection(graph: GraphProto, marks: LayerMark[], means: ChannelMeanObserver, weightQmax: number): BiasCorrectionReport {
  const producers = producerMap(graph);
  const report: BiasCorrectionReport = { corrected: [], skipped: [] };
  for (const m of marks) {
    const n = m.node;
    const label = n.name || n.output[0];
    const skip = (reason: string) => report.skipped.push({ layer: label, reason });
    if (m.bias === undefined) { skip('layer has no bias to fold the correction into'); continue; }
    if (n.opType !== 'Conv' && n.opType !== 'Gemm') { skip(`${n.opType} is not supported by bias correction`); continue; }
    const mu = means.mean(n.input[m.activationInputs[0]]);
    const w = readWeight(graph, n.input[m.weight.slot], producers);
    const b = readWeight(graph, n.input[m.bias], producers);
    if (!mu || !w || !b) { skip('no statistics or constant weights'); continue; }
    const qw = m.rounded ?? quantizeWeightInt8(w, m.weight.axis, m.weightQmax ?? weightQmax);
    const scaleOf = (c: number) => qw.scales[qw.scales.length === 1 ? 0 : c];
    const shift = n.opType === 'Conv' ? convShift(w.data, w.dims, qw.q, scaleOf, mu, attrInt(n, 'group', 1)) : gemmShift(w.data, w.dims, qw.q, scaleOf, mu, attrInt(n, 'transB', 0) === 1);
    if (shift.length !== b.data.length) { skip('bias length does not match the output channels'); continue; }
    const data = Float32Array.from(b.data, (v, c) => v - shift[c]);
    replaceWeight(graph, n.input[m.bias], { data, dims: b.dims }, producers);
    report.corrected.push({ layer: label, maxShift: shift.reduce((a, v) => Math.max(a, Math.abs(v)), 0) });
  }
  return report;
}

/** Conv weight [Cout, Cin/g, k…]: shift[c] = Σ_i,k (W_q − W)[c, i, k] · μ[input channel of i in c's group]. */
function convShift(w: Float32Array, dims: number[], q: Int8Array, scaleOf: (c: number) => number, mu: Float64Array, group: number): Float64Array {
  const [cout, cinG] = dims;
  const kk = dims.slice(2).reduce((a, v) => a * v, 1);
  const shift = new Float64Array(cout);
  for (let c = 0; c < cout; c++) {
    const g = Math.floor(c / (cout / group));
    const s = scaleOf(c);
    let acc = 0;
    for (let i = 0; i < cinG; i++) {
      let dw = 0;
      for (let k = 0; k < kk; k++) { const idx = (c * cinG + i) * kk + k; dw += q[idx] * s - w[idx]; }
      acc += dw * mu[g * cinG + i];
    }
    shift[c] = acc;
  }
  return shift;
}

/** Gemm weight [K, N] (or [N, K] with transB): shift[n] = Σ_k (W_q − W)[k, n] · μ[k]. */
function gemmShift(w: Float32Array, dims: number[], q: Int8Array, scaleOf: (c: number) => number, mu: Float64Array, transB: boolean): Float64Array {
  const [rows, cols] = dims;
  const outputs = transB ? rows : cols;
  const shift = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const idx = r * cols + c;
      const o = transB ? r : c;
      const k = transB ? c : r;
      shift[o] += (q[idx] * scaleOf(o) - w[idx]) * mu[k];
    }
  }
  return shift;
}
