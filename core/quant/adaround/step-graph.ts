// One AdaRound iteration for every layer at once, as a generated ONNX graph: the soft rounding, the
// reconstruction gradient δ·H per layer, the regularizer's gradient and the Adam update all run in
// onnxruntime. JavaScript only feeds the state back in and computes four scalars per iteration
// (the element-wise update in JS cost ~0.4 µs per weight per iteration, minutes on rec).
import { attr, makeNode } from '../../onnx/graph';
import { DataType, Dimension, GraphProto, Model, NodeProto, TensorProto, ValueInfoProto } from '../../onnx/proto';
import { floatTensorProto, int64TensorProto } from '../../onnx/tensor-data';
import type { ProductLayer } from './kernels';

/** Stretch of the rectified sigmoid: h = clip(σ(V)·(ζ − γ) + γ, 0, 1) reaches 0 and 1 exactly. */
export const ZETA = 1.1;
export const GAMMA = -0.1;
export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

const vi = (name: string, dims: (number | string)[]): ValueInfoProto => ({
  name,
  type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d): Dimension => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/**
 * The step graph: inputs v, m, s (soft-rounding variables and Adam moments, flat over all layers) and
 * four 1-element scalars — reg_scale (2λβ, or 0 during warm-up), power (β − 1), step_size (learning
 * rate / (1 − β1^t)) and inv_correction2 (1 / (1 − β2^t)); outputs v_next, m_next, s_next. `base` = floor(w/s), `ratio` = w/s and `qmax` are
 * baked in, as is each layer's normalized Gram matrix H (layer i owns the next groups·rows·k elements).
 */
export function stepModel(base: Float32Array, ratio: Float32Array, qmax: Float32Array, layers: ProductLayer[]): Model {
  const n = base.length;
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let id = 0;
  const op = (type: string, inputs: string[], attrs: NodeProto['attribute'] = []): string => {
    const out = `t${id++}`;
    nodes.push(makeNode(type, inputs, [out], `${type}_${id}`, attrs));
    return out;
  };
  const constant = (name: string, dims: number[], data: Float32Array): string => { inits.push(floatTensorProto(name, dims, data)); return name; };
  const scalar = (name: string, v: number) => constant(name, [1], Float32Array.of(v));

  constant('base', [n], base);
  constant('ratio', [n], ratio);
  constant('qmax', [n], qmax);
  constant('neg_qmax', [n], qmax.map((q) => -q));
  const [zero, one, two, stretch, gamma] = [scalar('zero', 0), scalar('one', 1), scalar('two', 2), scalar('stretch', ZETA - GAMMA), scalar('gamma', GAMMA)];

  const sig = op('Sigmoid', ['v']);
  const raw = op('Add', [op('Mul', [sig, stretch]), gamma]);
  const h = op('Clip', [raw, zero, one]);
  const q = op('Add', ['base', h]);
  const delta = op('Sub', [op('Max', [op('Min', [q, 'qmax']), 'neg_qmax']), 'ratio']);

  // δ·H per layer on its slice of δ, then back to one flat vector.
  let offset = 0;
  const pieces = layers.map((l, i) => {
    const len = l.groups * l.rows * l.k;
    inits.push(int64TensorProto(`start${i}`, [1], [offset]), int64TensorProto(`end${i}`, [1], [offset + len]));
    inits.push(int64TensorProto(`shape${i}`, [3], [l.groups, l.rows, l.k]), int64TensorProto(`flat${i}`, [1], [len]));
    constant(`h${i}`, [l.groups, l.k, l.k], l.h);
    offset += len;
    const d = op('Reshape', [op('Slice', [delta, `start${i}`, `end${i}`]), `shape${i}`]);
    return op('Reshape', [op('MatMul', [d, `h${i}`]), `flat${i}`]);
  });
  const dh = pieces.length === 1 ? pieces[0] : op('Concat', pieces, [attr.int('axis', 0)]);

  // dh/dV: zero where the rectified sigmoid is clipped or the weight is pinned at ±qmax.
  const inside = op('And', [
    op('And', [op('Greater', [raw, zero]), op('Less', [raw, one])]),
    op('And', [op('GreaterOrEqual', [q, 'neg_qmax']), op('LessOrEqual', [q, 'qmax'])]),
  ]);
  const dhdv = op('Mul', [op('Mul', [op('Mul', [sig, op('Sub', [one, sig])]), stretch]), op('Cast', [inside], [attr.int('to', DataType.FLOAT)])]);
  // d/dh of λ(1 − |2h − 1|^β) = −2λβ·sign(u)·|u|^(β−1), u = 2h − 1.
  const u = op('Sub', [op('Mul', [two, h]), one]);
  const reg = op('Mul', [op('Mul', [op('Sign', [u]), op('Pow', [op('Abs', [u]), 'power'])]), 'reg_scale']);
  const g = op('Mul', [op('Sub', [op('Mul', [two, dh]), reg]), dhdv]);

  const [b1, b1c, b2, b2c, eps] = [scalar('b1', ADAM.beta1), scalar('b1c', 1 - ADAM.beta1), scalar('b2', ADAM.beta2), scalar('b2c', 1 - ADAM.beta2), scalar('eps', ADAM.eps)];
  nodes.push(makeNode('Add', [op('Mul', [b1, 'm']), op('Mul', [b1c, g])], ['m_next'], 'adam_m'));
  nodes.push(makeNode('Add', [op('Mul', [b2, 's']), op('Mul', [b2c, op('Mul', [g, g])])], ['s_next'], 'adam_s'));
  const denom = op('Add', [op('Sqrt', [op('Mul', ['s_next', 'inv_correction2'])]), eps]);
  nodes.push(makeNode('Sub', ['v', op('Div', [op('Mul', ['step_size', 'm_next']), denom])], ['v_next'], 'adam_v'));

  const graph: GraphProto = {
    name: 'adaround_step',
    node: nodes,
    initializer: inits,
    input: [vi('v', [n]), vi('m', [n]), vi('s', [n]), vi('reg_scale', [1]), vi('power', [1]), vi('step_size', [1]), vi('inv_correction2', [1])],
    output: [vi('v_next', [n]), vi('m_next', [n]), vi('s_next', [n])],
    valueInfo: [],
  };
  return { irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph };
}
