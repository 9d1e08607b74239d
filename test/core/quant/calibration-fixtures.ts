import { encodeModel } from '../../../core/onnx/model-io';
import { Model, NodeProto, TensorProto } from '../../../core/onnx/proto';
import { ModelSession } from '../../../core/runtime/session';
import { floatTensor } from '../../../core/tensor';
import { uint8Params } from '../../../core/quant/ranges';

/** Deterministic uniform [0, 1) generator (mulberry32), so synthetic distributions are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n standard normal values (Box–Muller). */
export function gaussian(n: number, seed: number, sigma = 1, mean = 0): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

/** A Gaussian with a few large outliers of both signs at ±`at`. */
export function gaussianWithOutliers(n: number, seed: number, outliers = 8, at = 40): Float32Array {
  const x = gaussian(n, seed);
  for (let k = 0; k < outliers; k++) x[(k * 7919) % n] = (k % 2 ? -1 : 1) * at * (1 + k / 100);
  return x;
}

/** x after the uint8 quantize→dequantize round trip the emitter builds for `range`. */
export function fakeQuant(x: Float32Array, range: { min: number; max: number }): Float64Array {
  const { scale, zeroPoint } = uint8Params(range);
  return Float64Array.from(x, (v) => (Math.min(255, Math.max(0, Math.round(v / scale) + zeroPoint)) - zeroPoint) * scale);
}

/** Mean squared error of the round trip. */
export function sampleMse(x: Float32Array, range: { min: number; max: number }): number {
  const q = fakeQuant(x, range);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - q[i]) ** 2;
  return s / x.length;
}

/** Wasserstein-1 between the empirical distributions of x and its round trip, from sorted samples. */
export function sampleW1(x: Float32Array, range: { min: number; max: number }): number {
  const a = Float64Array.from(x).sort();
  const b = fakeQuant(x, range).sort();
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Split values into batches of the given size (last one shorter). */
export function batchesOf(x: Float32Array, size: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < x.length; i += size) out.push(x.slice(i, i + size));
  return out;
}

/** A one-node model (opset 13) with float inputs of fixed shape and constant initializers. */
export function singleNodeModel(node: NodeProto, inputs: Record<string, number[]>, initializers: TensorProto[]): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'layer',
      node: [node],
      initializer: initializers,
      input: Object.entries(inputs).map(([name, dims]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } })),
      output: node.output.map((name) => ({ name })),
      valueInfo: [],
    },
  };
}

/** Run a model once on float inputs and return its first output's data. */
export async function runOnce(model: Model, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array> {
  const s = await ModelSession.create(encodeModel(model));
  try {
    const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, floatTensor(v.data, v.dims)])));
    return Object.values(out)[0].data as Float32Array;
  } finally {
    await s.release();
  }
}

const hardSwish = (z: number) => (z * Math.min(6, Math.max(0, z + 3))) / 6;

/**
 * Like rec's head HardSwish outputs (hardswish_55: 94% in [-0.375, 0], half of all values near the
 * minimum -0.375, a rare positive tail to about 7): most pre-activations sit around -1.5, a few percent
 * are large and positive.
 */
export function hardSwishLike(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const g = gaussian(n, seed + 1);
  return Float32Array.from(g, (v) => (r() < 0.94 ? hardSwish(-1.5 + 0.7 * v) : hardSwish(Math.abs(v) * 0.4 - Math.log(1 - r()) * 0.9)));
}

/** Like an SE block's bottleneck ReLU (rec's relu_0): 60% exact zeros, most of the rest small, 2% large (10-15). */
export function seReluLike(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = r();
    return u < 0.6 ? 0 : u < 0.98 ? r() * r() * 2 : 10 + 5 * r();
  });
}
