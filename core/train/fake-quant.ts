import { DataType, GraphProto, ValueInfoProto } from '../onnx/proto';
import { makeNode, NameGenerator, topologicalOrder } from '../onnx/graph';
import { quantizeWeightInt8 } from '../quant/weights';
import { TensorRange, uint8Params } from '../quant/ranges';
import { Tensor } from '../tensor';

/** Per-channel symmetric fake quantization of a weight (quantize, then dequantize), as the PTQ emitter would store it. */
export function fakeQuantWeight(data: Float32Array, dims: number[], axis: number | undefined, qmax: number): Float32Array {
  const q = quantizeWeightInt8({ data, dims }, axis, qmax);
  const inner = axis === undefined ? data.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = axis === undefined ? 1 : dims[axis];
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = q.q[i] * q.scales[axis === undefined ? 0 : Math.floor(i / inner) % channels];
  return out;
}

/** Graph-input names of an activation quantizer's parameters. */
export const quantizerInputs = (tensor: string) => ({ scale: `qat::scale::${tensor}`, zeroPoint: `qat::zp::${tensor}` });

const scalarInput = (name: string, elemType: number): ValueInfoProto => ({ name, type: { tensorType: { elemType, shape: { dim: [] } } } });

/**
 * Route every reader of each tensor through QuantizeLinear → DequantizeLinear whose scale and zero
 * point are graph inputs (fed each step from the tracked ranges). Edits the graph in place.
 */
export function insertActivationQuantizers(graph: GraphProto, tensors: string[]): void {
  const names = new NameGenerator(graph);
  const outputs = new Set(graph.output.map((o) => o.name));
  for (const t of tensors) {
    if (outputs.has(t)) continue;
    const { scale, zeroPoint } = quantizerInputs(t);
    const q = names.next(`${t}::q`);
    const dq = names.next(`${t}::fq`);
    for (const n of graph.node) n.input = n.input.map((i) => (i === t ? dq : i));
    graph.node.push(
      makeNode('QuantizeLinear', [t, scale, zeroPoint], [q], names.next(`${t}::quantize`)),
      makeNode('DequantizeLinear', [q, scale, zeroPoint], [dq], names.next(`${t}::dequantize`)),
    );
    graph.input.push(scalarInput(scale, DataType.FLOAT), scalarInput(zeroPoint, DataType.UINT8));
  }
  graph.node = topologicalOrder(graph);
}

/** Quantizer feeds for the current ranges. */
export function quantizerFeeds(ranges: Map<string, TensorRange>): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [t, r] of ranges) {
    const p = uint8Params(r);
    const { scale, zeroPoint } = quantizerInputs(t);
    feeds[scale] = { dtype: 'float32', dims: [], data: Float32Array.of(p.scale) };
    feeds[zeroPoint] = { dtype: 'uint8', dims: [], data: Uint8Array.of(p.zeroPoint) };
  }
  return feeds;
}

/**
 * Clip each channel of a weight at the magnitude that minimizes its quantization error (grid search
 * over fractions of the channel's abs-max). At 4 bits the abs-max scale wastes most levels on a few
 * outliers; after clipping, abs-max (what the PTQ emitter and fakeQuantWeight use) is the chosen clip.
 */
export function clipWeightForQuant(data: Float32Array, dims: number[], axis: number | undefined, qmax: number, steps = 40): Float32Array {
  const channels = axis === undefined ? 1 : dims[axis];
  const inner = axis === undefined ? data.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const members: number[][] = Array.from({ length: channels }, () => []);
  for (let i = 0; i < data.length; i++) members[axis === undefined ? 0 : Math.floor(i / inner) % channels].push(i);
  const out = Float32Array.from(data);
  for (const idx of members) {
    let absMax = 0;
    for (const i of idx) absMax = Math.max(absMax, Math.abs(data[i]));
    if (absMax === 0) continue;
    let best = absMax;
    let bestErr = Infinity;
    for (let k = steps; k >= steps / 5; k--) {
      const clip = (absMax * k) / steps;
      const s = clip / qmax;
      let err = 0;
      for (const i of idx) {
        const q = Math.max(-qmax, Math.min(qmax, Math.round(data[i] / s))) * s;
        err += (data[i] - q) ** 2;
      }
      if (err < bestErr) { bestErr = err; best = clip; }
    }
    for (const i of idx) out[i] = Math.max(-best, Math.min(best, data[i]));
  }
  return out;
}
