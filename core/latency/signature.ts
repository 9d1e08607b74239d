import { toNum, GraphProto, NodeProto } from '../onnx/proto';
import { ShapeResult } from './shapes';

/** What decides a kernel's cost: op, attributes, operand shapes and types. Stored as-is in tables. */
export interface NodeConfig {
  /** Cost family: domain:opType, with /dw for depthwise convs (a different kernel in MLAS). */
  op: string;
  attrs: Record<string, number | number[] | string>;
  inputs: { dims: number[]; dtype: string; constant: boolean }[];
  outputs: number[][];
}

/** One decoder for all string attributes (one per attribute showed in profiles of the walk). */
const utf8 = new TextDecoder();

const CONV_OPS = new Set(['Conv', 'FusedConv', 'QLinearConv', 'ConvTranspose', 'NhwcFusedConv', 'ConvInteger']);
/** Attributes that never change cost (or that the shapes already say). */
const IGNORED_ATTRS = new Set(['auto_pad', 'activation_params', 'epsilon', 'alpha', 'beta', 'momentum', 'stash_type', 'cubic_coeff_a', 'extrapolation_value']);

/** The cost-relevant configuration of one node of an optimized graph, given inferred shapes. */
export function nodeConfig(graph: GraphProto, n: NodeProto, shapes: ShapeResult, constants: Set<string>): NodeConfig {
  const attrs: NodeConfig['attrs'] = {};
  for (const a of n.attribute) {
    if (IGNORED_ATTRS.has(a.name)) continue;
    if (a.ints && a.ints.length) attrs[a.name] = a.ints.map(toNum);
    else if (a.s && a.s.length) attrs[a.name] = utf8.decode(a.s);
    else if (a.i !== undefined && a.i !== null) attrs[a.name] = toNum(a.i);
  }
  const inputs = n.input.filter(Boolean).map((name) => {
    const t = shapes.tensors.get(name);
    return { dims: t?.dims ?? [], dtype: t?.dtype ?? 'float', constant: constants.has(name) };
  });
  const outputs = n.output.filter(Boolean).map((o) => shapes.tensors.get(o)?.dims ?? []);
  const group = typeof attrs.group === 'number' ? attrs.group : 1;
  const x = inputs[0]?.dims ?? [];
  const cin = attrs.channels_last === 1 ? x[x.length - 1] : x[1];
  const depthwise = CONV_OPS.has(n.opType) && group > 1 && group === cin;
  return { op: `${n.domain || 'ai.onnx'}:${n.opType}${depthwise ? '/dw' : ''}`, attrs, inputs, outputs };
}

/** Exact-match key of a configuration (stable JSON). */
export const configKey = (c: NodeConfig): string =>
  JSON.stringify([c.op, Object.entries(c.attrs).sort(([a], [b]) => a.localeCompare(b)), c.inputs.map((i) => [i.dims, i.dtype, i.constant]), c.outputs]);

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const DTYPE_BYTES: Record<string, number> = { float: 4, uint8: 1, int8: 1, int32: 4, int64: 8, bool: 1, float16: 2, double: 8 };
const lg = (v: number) => Math.log(Math.max(v, 1));

/** Multiply-accumulates of a conv-like or matmul-like config (0 for others). */
export function macs(c: NodeConfig): number {
  const base = c.op.split('/')[0].split(':')[1];
  const out = c.outputs[0] ?? [];
  if (CONV_OPS.has(base)) {
    const w = (base === 'QLinearConv' ? c.inputs[3] : c.inputs[1])?.dims ?? [];
    // Conv weights are [Cout, Cin/g, k...]: every output element needs Cin/g·k… MACs.
    if (base === 'ConvTranspose') return size(c.inputs[0]?.dims ?? []) * size(w.slice(1));
    return size(out) * size(w.slice(1));
  }
  if (base === 'Gemm' || base === 'QGemm') {
    const a = c.inputs[0]?.dims ?? [];
    const k = c.attrs.transA ? a[0] : a[1];
    return size(out) * (k ?? 1);
  }
  if (base === 'Attention' || base === 'QAttention' || base === 'MultiHeadAttention') {
    // Fused attention: the QKV projection (Attention's packed weight), then QKᵀ and AV over the key length.
    const x = c.inputs[0]?.dims ?? [];
    const k = c.inputs[1]?.dims ?? [];
    const [b = 1, s = 1] = x;
    const v = out[2] ?? 1;
    if (base === 'MultiHeadAttention') return 2 * b * s * (k.length === 4 ? k[2] : k.length === 3 ? k[1] : s) * v;
    return b * s * size(k) + 2 * b * s * s * v;
  }
  if (base.includes('MatMul')) {
    const a = c.inputs[0]?.dims ?? [];
    const k = c.attrs.transA ? a[a.length - 2] : a[a.length - 1];
    return size(out) * (k ?? 1);
  }
  return 0;
}

/** Bytes a kernel reads and writes (all operands once): the memory-bound ops' cost driver. */
export const bytesMoved = (c: NodeConfig): number =>
  c.inputs.reduce((s, i) => s + size(i.dims) * (DTYPE_BYTES[i.dtype] ?? 4), 0) + c.outputs.reduce((s, o) => s + size(o) * 4, 0);

/**
 * Regressor features: log-scale work (MACs, bytes, elements) carries the size; the shape terms let
 * the trees learn the efficiency differences (narrow channels, strides, small spatial maps).
 */
export function features(c: NodeConfig): number[] {
  const x = c.inputs[0]?.dims ?? [];
  const out = c.outputs[0] ?? [];
  const w = c.inputs.find((i, k) => k > 0 && i.constant && i.dims.length >= 2)?.dims ?? [];
  const k = (c.attrs.kernel_shape as number[] | undefined) ?? [];
  const s = (c.attrs.strides as number[] | undefined) ?? [];
  const int8 = c.inputs.some((i) => i.dtype === 'uint8' || i.dtype === 'int8') ? 1 : 0;
  const smallest = Math.min(...c.inputs.filter((i) => !i.constant).map((i) => size(i.dims)), size(out));
  return [
    lg(macs(c)), lg(bytesMoved(c)), lg(size(out)), lg(size(x)), lg(size(w)),
    x[1] ?? 0, out[1] ?? 0, lg(size(out.slice(2))), k[0] ?? 0, s[0] ?? 0,
    typeof c.attrs.group === 'number' ? lg(c.attrs.group) : 0, c.inputs.length, int8,
    lg(smallest), out.length, out[out.length - 1] ?? 0,
    typeof c.attrs.activation === 'string' ? 1 + (c.attrs.activation.length % 7) : 0,
  ];
}
