import { Rng } from '../../../core/data/rng';
import { encodeModel } from '../../../core/onnx/model-io';
import { Model, TensorProto } from '../../../core/onnx/proto';
import { floatTensorProto, int64TensorProto } from '../../../core/onnx/tensor-data';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { buildTrainingGraph } from '../../../core/train/autodiff';
import { Attrs } from '../../../core/train/builder';
import { attr } from '../../../core/onnx/graph';

/** One input of the op under test: a float tensor (differentiated when `wrt`) or an int64 constant. */
export interface CheckInput { dims: number[]; data?: number[] | Float32Array; wrt?: boolean; ints?: number[]; bools?: boolean[]; empty?: boolean }

export interface CheckSpec {
  op: string;
  inputs: CheckInput[];
  attrs?: Attrs;
  floatAttrs?: string[];
  /** How many outputs the node has; the loss weights every float output with fixed random weights. */
  outputs?: number;
  seed?: number;
  /** How many elements per input to check by finite differences. */
  samples?: number;
  eps?: number;
  /** Opset of the one-node model (HardSwish needs 14). */
  opset?: number;
}

export const randn = (n: number, rng: Rng, awayFrom0 = 0): Float32Array => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    do v = rng.uniform(-2, 2); while (Math.abs(v) < awayFrom0);
    out[i] = v;
  }
  return out;
};

/** Distinct values spaced well apart (no ties for MaxPool within the finite-difference step). */
export const distinct = (n: number, rng: Rng): Float32Array => {
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) { const j = rng.int(0, i); [vals[i], vals[j]] = [vals[j], vals[i]]; }
  return Float32Array.from(vals);
};

function toAttrs(a: Attrs, floats: string[]) {
  return Object.entries(a).filter(([, v]) => v !== undefined).map(([k, v]) =>
    typeof v === 'string' ? attr.string(k, v)
      : Array.isArray(v) ? (floats.includes(k) ? { name: k, type: 6, floats: v } : attr.ints(k, v))
        : floats.includes(k) ? attr.float(k, v as number) : attr.int(k, v as number));
}

/**
 * Compare the engine's gradient of L = Σ rᵢ·yᵢ (fixed random r) with central finite differences of
 * the forward op run by onnxruntime. Returns the worst mismatch relative to the gradient scale.
 */
export async function gradientError(spec: CheckSpec): Promise<{ worst: number; checked: number }> {
  const rng = new Rng(spec.seed ?? 7);
  const nOut = spec.outputs ?? 1;
  const names = spec.inputs.map((_, i) => `in${i}`);
  const values = spec.inputs.map((inp) => (inp.ints || inp.bools ? undefined : Float32Array.from(inp.data ?? randn(inp.dims.reduce((a, b) => a * b, 1), rng))));
  const inits: TensorProto[] = [];
  spec.inputs.forEach((inp, i) => {
    if (inp.wrt || inp.empty) return;
    if (inp.bools) inits.push({ name: names[i], dims: inp.dims, dataType: 9, rawData: Uint8Array.from(inp.bools, (v) => (v ? 1 : 0)) });
    else inits.push(inp.ints ? int64TensorProto(names[i], inp.dims.length ? inp.dims : [], inp.ints) : floatTensorProto(names[i], inp.dims, values[i]!));
  });
  const outs = Array.from({ length: nOut }, (_, i) => `out${i}`);
  const model: Model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'check',
      node: [{ opType: spec.op, name: 'op_under_test', input: spec.inputs.map((inp, i) => (inp.empty ? '' : names[i])), output: outs, attribute: toAttrs(spec.attrs ?? {}, spec.floatAttrs ?? []) }],
      initializer: inits,
      input: spec.inputs.flatMap((inp, i) => (inp.wrt ? [{ name: names[i], type: { tensorType: { elemType: 1, shape: { dim: inp.dims.map((d) => ({ dimValue: d })) } } } }] : [])),
      output: outs.map((name) => ({ name })),
      valueInfo: [],
    },
  };
  const wrt = spec.inputs.map((inp, i) => (inp.wrt ? i : -1)).filter((i) => i >= 0);
  const feeds: Record<string, Tensor> = {};
  for (const i of wrt) feeds[names[i]] = { dtype: 'float32', dims: spec.inputs[i].dims, data: values[i]! };

  const fwd = await ModelSession.create(encodeModel(model));
  const first = await fwd.run(feeds);
  const weights = outs.map((o) => randn(first[o].data.length, rng));
  const objective = async (f: Record<string, Tensor>) => {
    const r = await fwd.run(f);
    let s = 0;
    outs.forEach((o, k) => { if (r[o].dtype === 'float32') (r[o].data as Float32Array).forEach((v, j) => { s += v * weights[k][j]; }); });
    return s;
  };

  const tg = await buildTrainingGraph({
    model,
    params: wrt.map((i) => names[i]),
    loss(b) {
      const terms = outs.filter((o) => first[o].dtype === 'float32').map((o, k) =>
        b.op1('ReduceSum', [b.op1('Mul', [o, b.floats(first[o].dims, weights[k], 'r')])], { keepdims: 0 }));
      return terms.length === 1 ? terms[0] : b.op1('Sum', terms);
    },
    sampleFeeds: feeds,
  });
  const train = await ModelSession.create(encodeModel(tg.model));
  const res = await train.run(feeds);

  const eps = spec.eps ?? 1e-2;
  let worst = 0;
  let checked = 0;
  for (const i of wrt) {
    const analytic = res[tg.grads[names[i]]].data as Float32Array;
    const x = values[i]!;
    let scale = 1e-3;
    analytic.forEach((v) => { scale = Math.max(scale, Math.abs(v)); });
    const picks = new Set<number>();
    const samples = Math.min(spec.samples ?? 16, x.length);
    while (picks.size < samples) picks.add(rng.int(0, x.length - 1));
    for (const j of picks) {
      const orig = x[j];
      x[j] = orig + eps; const up = await objective(feeds);
      x[j] = orig - eps; const down = await objective(feeds);
      x[j] = orig;
      const numeric = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(numeric - analytic[j]) / scale);
      checked++;
    }
  }
  await fwd.release();
  await train.release();
  if (checked === 0) throw new Error('nothing was checked');
  return { worst, checked };
}
