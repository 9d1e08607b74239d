// A conv or matmul layer is linear in its weights: each output value is one weight row times one
// input column (a patch of the input for a conv, a feature row for a matmul). These helpers say how
// a layer's weight splits into rows and gather the columns its outputs saw, so that the loss
// ||(W̃ − W)·X||² can be written with the Gram matrix H = X·Xᵀ of sampled columns.
import { attrInt, attrInts, attrString } from '../../onnx/graph';
import { NodeProto } from '../../onnx/proto';
import { Prng } from '../../search/prng';
import { Tensor } from '../../tensor';

/** 2-D window of a conv, with auto_pad left to resolve per input size. */
interface Window { kernel: [number, number]; strides: [number, number]; dilations: [number, number]; pads: [number, number, number, number]; autoPad: string }

/**
 * How a layer's weight maps to rows: the weight read in [groups, rows, k] order holds one output's
 * weights per row, all rows of a group seeing the same k-long input columns.
 */
export interface LayerShape {
  groups: number;
  /** Output channels per group. */
  rows: number;
  /** Inputs per output: Cin/groups·kh·kw for a conv, the feature size for a matmul. */
  k: number;
  /** Index into the flat weight of element (group, row, j), in [groups, rows, k] order. */
  weightIndex: Int32Array;
  /** Conv window; undefined for a matmul or gemm (columns are feature rows). */
  window?: Window;
}

/** The row structure of a Conv (2-D), MatMul or Gemm weight, or the reason AdaRound cannot handle it. */
export function layerShape(node: NodeProto, weightDims: number[]): LayerShape | { skip: string } {
  if (node.opType === 'Conv') {
    if (weightDims.length !== 4) return { skip: `${weightDims.length - 2}-D conv (only 2-D)` };
    const groups = attrInt(node, 'group', 1);
    const [cout, cinG, kh, kw] = weightDims;
    const window: Window = {
      kernel: [kh, kw],
      strides: pair(attrInts(node, 'strides')),
      dilations: pair(attrInts(node, 'dilations')),
      pads: (attrInts(node, 'pads') ?? [0, 0, 0, 0]) as Window['pads'],
      autoPad: attrString(node, 'auto_pad') ?? 'NOTSET',
    };
    // The conv weight [Cout, Cin/g, kh, kw] is already in [groups, rows, k] order.
    return { groups, rows: cout / groups, k: cinG * kh * kw, weightIndex: Int32Array.from({ length: cout * cinG * kh * kw }, (_, i) => i), window };
  }
  if (node.opType === 'MatMul' || node.opType === 'Gemm') {
    if (weightDims.length !== 2) return { skip: `weight has rank ${weightDims.length}, expected 2` };
    // MatMul and Gemm without transB hold [K, N]: output n's row is column n; Gemm with transB holds [N, K].
    const transposed = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
    const [k, n] = transposed ? [weightDims[1], weightDims[0]] : weightDims;
    const weightIndex = new Int32Array(k * n);
    for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) weightIndex[r * k + j] = transposed ? r * k + j : j * n + r;
    return { groups: 1, rows: n, k, weightIndex };
  }
  return { skip: `${node.opType} is not linear in rows of its weight` };
}

const pair = (v: number[] | undefined): [number, number] => (v ? [v[0], v[1]] : [1, 1]);

/** Output size and leading pads of one spatial axis of a conv window. */
function axisGeometry(w: Window, axis: 0 | 1, size: number): { out: number; padBegin: number } {
  const ext = (w.kernel[axis] - 1) * w.dilations[axis] + 1;
  const s = w.strides[axis];
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + ext - size);
    const small = Math.floor(total / 2);
    return { out, padBegin: w.autoPad === 'SAME_LOWER' ? total - small : small };
  }
  const [begin, end] = w.autoPad === 'VALID' ? [0, 0] : [w.pads[axis], w.pads[axis + 2]];
  return { out: Math.floor((size + begin + end - ext) / s) + 1, padBegin: begin };
}

/** Up to `count` distinct indices in [0, total), or all of them in order when there are no more than that. */
function sampleIndices(total: number, count: number, rng: Prng): Int32Array {
  if (total <= count) return Int32Array.from({ length: total }, (_, i) => i);
  // Partial Fisher–Yates: the first `count` slots end up a uniform sample without replacement.
  const all = Int32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(total - i);
    const t = all[i]; all[i] = all[j]; all[j] = t;
  }
  return all.slice(0, count).sort();
}

/**
 * Gather up to `count` input columns of one batch, as X [groups, n, k] (row j of group g is the
 * column output position j multiplies with group g's weight rows). Zero padding is honoured.
 */
export function sampleColumns(x: Tensor, shape: LayerShape, count: number, rng: Prng): { data: Float32Array; n: number } {
  const src = x.data as Float32Array;
  const { groups, k } = shape;
  if (!shape.window) {
    const rowsTotal = src.length / k;
    const picked = sampleIndices(rowsTotal, count, rng);
    const out = new Float32Array(picked.length * k);
    picked.forEach((r, j) => out.set(src.subarray(r * k, (r + 1) * k), j * k));
    return { data: out, n: picked.length };
  }
  const [batch, channels, height, width] = x.dims;
  const w = shape.window;
  const cinG = channels / groups;
  const [kh, kw] = w.kernel;
  const ay = axisGeometry(w, 0, height);
  const ax = axisGeometry(w, 1, width);
  const perImage = ay.out * ax.out;
  const picked = sampleIndices(batch * perImage, count, rng);
  const n = picked.length;
  const out = new Float32Array(groups * n * k);
  for (let j = 0; j < n; j++) {
    const b = Math.floor(picked[j] / perImage);
    const oy = Math.floor((picked[j] % perImage) / ax.out);
    const ox = picked[j] % ax.out;
    const y0 = oy * w.strides[0] - ay.padBegin;
    const x0 = ox * w.strides[1] - ax.padBegin;
    for (let g = 0; g < groups; g++) {
      let o = (g * n + j) * k;
      for (let c = 0; c < cinG; c++) {
        const plane = (b * channels + g * cinG + c) * height * width;
        for (let dy = 0; dy < kh; dy++) {
          const iy = y0 + dy * w.dilations[0];
          const inRows = iy >= 0 && iy < height;
          for (let dx = 0; dx < kw; dx++, o++) {
            const ix = x0 + dx * w.dilations[1];
            out[o] = inRows && ix >= 0 && ix < width ? src[plane + iy * width + ix] : 0;
          }
        }
      }
    }
  }
  return { data: out, n };
}
