import { attrInt, attrInts, getAttr, producerMap } from '../onnx/graph';
import { DataType, GraphProto, NodeProto, TensorProto } from '../onnx/proto';
import { tensorDims, tensorToInts } from '../onnx/tensor-data';
import { nchwcBlockSize } from './device';
import { InputShapes } from './fixed-shape';

/** A tensor's static facts: dims and element type name (as onnxruntime's profiler spells it). */
export interface TensorInfo { dims: number[]; dtype: string }

export interface ShapeResult {
  tensors: Map<string, TensorInfo>;
  /** Nodes whose output shape is a guess (an op this pass does not know): costs there are less sure. */
  guessed: string[];
}

const DTYPE_NAMES: Record<number, string> = {
  [DataType.FLOAT]: 'float', [DataType.UINT8]: 'uint8', [DataType.INT8]: 'int8', [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64', [DataType.BOOL]: 'bool', [DataType.FLOAT16]: 'float16', [DataType.DOUBLE]: 'double',
};

const utf8 = new TextDecoder();

const broadcast = (shapes: number[][]): number[] => {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + k] ?? 1;
      if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
};

/** Output spatial size of a window op (conv, pool), honouring pads, dilations, ceil_mode and auto_pad. */
function windowOut(n: NodeProto, inDims: number[], kernel: number[]): number[] {
  const sp = channelsLast(n) ? inDims.slice(1, -1) : inDims.slice(2);
  const strides = attrInts(n, 'strides') ?? sp.map(() => 1);
  const dil = attrInts(n, 'dilations') ?? sp.map(() => 1);
  const pads = attrInts(n, 'pads') ?? sp.flatMap(() => [0, 0]);
  const autoPad = utf8.decode(getAttr(n, 'auto_pad')?.s ?? new Uint8Array());
  const ceil = attrInt(n, 'ceil_mode', 0) === 1;
  return sp.map((x, k) => {
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(x / strides[k]);
    const span = dil[k] * (kernel[k] - 1) + 1;
    const padded = autoPad === 'VALID' ? x : x + pads[k] + pads[k + sp.length];
    const q = (padded - span) / strides[k];
    return (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
  });
}

/**
 * Shapes of every tensor in an onnxruntime-optimized graph, by forward propagation from fixed input
 * shapes. onnxruntime does not write value_info into the model it saves, and running the model to
 * learn the shapes would cost as much as measuring it, so the rules for the ops it emits live here.
 */
export function inferShapes(graph: GraphProto, inputs: InputShapes): ShapeResult {
  const tensors = new Map<string, TensorInfo>();
  const guessed: string[] = [];
  const producers = producerMap(graph);
  const consts = new Map<string, number[]>();
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  for (const t of graph.initializer) {
    tensors.set(t.name ?? '', { dims: tensorDims(t), dtype: DTYPE_NAMES[t.dataType ?? 1] ?? 'float' });
  }
  for (const i of graph.input) {
    if (inputs[i.name]) tensors.set(i.name, { dims: inputs[i.name], dtype: DTYPE_NAMES[i.type?.tensorType?.elemType ?? 1] ?? 'float' });
  }
  const ints = (name: string | undefined): number[] | undefined => {
    if (!name) return undefined;
    if (consts.has(name)) return consts.get(name);
    const t = initializers.get(name)
      ?? (producers.get(name)?.opType === 'Constant' ? producers.get(name)!.attribute.find((a) => a.name === 'value')?.t : undefined);
    const v = t ? tensorToInts(t) : undefined;
    if (v) consts.set(name, v);
    return v;
  };
  const info = (name: string): TensorInfo | undefined => (name ? tensors.get(name) : undefined);

  for (const n of graph.node) {
    const ins = n.input.map(info);
    const x = ins[0]?.dims ?? [];
    const dt = ins[0]?.dtype ?? 'float';
    const set = (dims: number[], dtype = dt, k = 0) => { if (n.output[k]) tensors.set(n.output[k], { dims, dtype }); };
    const op = n.opType;
    switch (op) {
      case 'Constant': {
        const t = n.attribute.find((a) => a.name === 'value')?.t;
        if (t) set(tensorDims(t), DTYPE_NAMES[t.dataType ?? 1] ?? 'float');
        break;
      }
      case 'Conv': case 'FusedConv': case 'ConvTranspose': case 'QLinearConv': case 'NhwcFusedConv': {
        const w = (op === 'QLinearConv' ? ins[3] : ins[1])?.dims ?? [];
        const kernel = attrInts(n, 'kernel_shape') ?? w.slice(2);
        if (op === 'ConvTranspose') {
          const s = attrInts(n, 'strides') ?? kernel.map(() => 1);
          const pads = attrInts(n, 'pads') ?? kernel.flatMap(() => [0, 0]);
          const outPad = attrInts(n, 'output_padding') ?? kernel.map(() => 0);
          const dil = attrInts(n, 'dilations') ?? kernel.map(() => 1);
          const sp = x.slice(2).map((v, k) => (v - 1) * s[k] - pads[k] - pads[k + kernel.length] + dil[k] * (kernel[k] - 1) + outPad[k] + 1);
          set([x[0], w[1] * attrInt(n, 'group', 1), ...sp]);
        } else {
          // NCHWc convs keep the padded channel count of their (reordered) weights; outputs follow w[0].
          // Integer convs run NHWC (channels_last) on x86: channels move to the end.
          const sp = windowOut(n, x, kernel);
          set(channelsLast(n) ? [x[0], ...sp, w[0]] : [x[0], w[0], ...sp], op === 'QLinearConv' ? ins[7]?.dtype ?? 'uint8' : dt);
        }
        break;
      }
      case 'MaxPool': case 'AveragePool': case 'QLinearAveragePool': case 'NhwcMaxPool': {
        const sp = windowOut(n, x, attrInts(n, 'kernel_shape') ?? [1, 1]);
        set(channelsLast(n) ? [x[0], ...sp, x[x.length - 1]] : [x[0], x[1], ...sp]);
        break;
      }
      case 'GlobalAveragePool': case 'GlobalMaxPool': case 'QLinearGlobalAveragePool':
        if (attrInt(n, 'channels_last', 0)) set([x[0], 1, 1, x[x.length - 1]]);
        else set([x[0], x[1], ...x.slice(2).map(() => 1)]);
        break;
      case 'ReorderInput':
        // NCHW(or NHWC) → NCHWc: channels padded up to the block size the optimizer chose.
        set(attrInt(n, 'channels_last', 0) ? [x[0], roundUp(x[3], nchwcBlock(graph)), x[1], x[2]] : [x[0], roundUp(x[1], nchwcBlock(graph)), ...x.slice(2)]);
        break;
      case 'ReorderOutput': {
        const c = attrInt(n, 'channels', x[1]);
        set(attrInt(n, 'channels_last', 0) ? [x[0], ...x.slice(2), c] : [x[0], c, ...x.slice(2)]);
        break;
      }
      case 'Upsample': case 'Resize': {
        const sizes = ints(n.input[3]);
        const scales = op === 'Upsample' ? ins[1] && readFloats(initializers, n.input[1]) : readFloats(initializers, n.input[2]);
        if (sizes && sizes.length) set(sizes);
        else if (scales && scales.length === x.length) set(x.map((d, k) => Math.floor(d * scales[k])));
        else { set(x); guessed.push(n.name ?? op); }
        break;
      }
      case 'Concat': case 'QLinearConcat': {
        const parts = (op === 'QLinearConcat' ? ins.filter((_, k) => k >= 2 && (k - 2) % 3 === 0) : ins).filter(Boolean) as TensorInfo[];
        const axis = norm(attrInt(n, 'axis', 0), parts[0]?.dims.length ?? 1);
        const out = [...(parts[0]?.dims ?? [])];
        out[axis] = parts.reduce((s, p) => s + (p.dims[axis] ?? 0), 0);
        set(out, parts[0]?.dtype ?? dt);
        break;
      }
      case 'Reshape': {
        const shape = ints(n.input[1]);
        if (!shape) { set(x); guessed.push(n.name ?? op); break; }
        const total = x.reduce((a, b) => a * b, 1);
        const dims = shape.map((d, k) => (d === 0 ? x[k] : d));
        const known = dims.reduce((a, b) => (b === -1 ? a : a * b), 1);
        set(dims.map((d) => (d === -1 ? total / known : d)));
        break;
      }
      case 'Flatten': {
        const axis = norm(attrInt(n, 'axis', 1), x.length);
        set([x.slice(0, axis).reduce((a, b) => a * b, 1), x.slice(axis).reduce((a, b) => a * b, 1)]);
        break;
      }
      case 'Transpose': {
        const perm = attrInts(n, 'perm') ?? x.map((_, k) => x.length - 1 - k);
        set(perm.map((p) => x[p]));
        break;
      }
      case 'Gemm': case 'QGemm': {
        const b = (op === 'QGemm' ? ins[3] : ins[1])?.dims ?? [];
        const m = attrInt(n, 'transA', 0) ? x[1] : x[0];
        set([m, attrInt(n, 'transB', 0) ? b[0] : b[1]], op === 'QGemm' ? 'float' : dt);
        break;
      }
      case 'MatMul': case 'FusedMatMul': case 'QLinearMatMul': case 'MatMulInteger': case 'MatMulIntegerToFloat': case 'DynamicQuantizeMatMul': {
        let a = [...x];
        let b = [...((op === 'QLinearMatMul' ? ins[3] : ins[1])?.dims ?? [])];
        const swap = (s: number[]) => { const t = [...s]; [t[t.length - 1], t[t.length - 2]] = [t[t.length - 2], t[t.length - 1]]; return t; };
        if (attrInt(n, 'transA', 0)) a = swap(a);
        if (attrInt(n, 'transB', 0)) b = swap(b);
        if (a.length === 1) a = [1, a[0]];
        const bVec = b.length === 1;
        if (bVec) b = [b[0], 1];
        const batch = broadcast([a.slice(0, -2), b.slice(0, -2)]);
        const out = [...batch, a[a.length - 2], b[b.length - 1]];
        const dtype = op === 'QLinearMatMul' ? ins[7]?.dtype ?? 'uint8' : op === 'MatMulInteger' ? 'int32' : op === 'MatMulIntegerToFloat' || op === 'DynamicQuantizeMatMul' ? 'float' : dt;
        set(bVec ? out.slice(0, -1) : out, dtype);
        break;
      }
      case 'ReduceMean': case 'ReduceSum': case 'ReduceMax': case 'ReduceMin': {
        const axes = (attrInts(n, 'axes') ?? ints(n.input[1]) ?? x.map((_, k) => k)).map((a) => norm(a, x.length));
        const keep = attrInt(n, 'keepdims', 1) === 1;
        set(keep ? x.map((d, k) => (axes.includes(k) ? 1 : d)) : x.filter((_, k) => !axes.includes(k)));
        break;
      }
      case 'Slice': {
        const starts = attrInts(n, 'starts') ?? ints(n.input[1]);
        const ends = attrInts(n, 'ends') ?? ints(n.input[2]);
        const axes = attrInts(n, 'axes') ?? ints(n.input[3]) ?? starts?.map((_, k) => k);
        const steps = ints(n.input[4]) ?? starts?.map(() => 1);
        if (!starts || !ends || !axes || !steps) { set(x); guessed.push(n.name ?? op); break; }
        const out = [...x];
        axes.forEach((a0, k) => {
          const a = norm(a0, x.length);
          const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x[a] : v, 0), x[a]);
          const [s, e] = [clamp(starts[k]), clamp(ends[k])];
          out[a] = Math.max(0, Math.ceil((e - s) / steps[k]));
        });
        set(out);
        break;
      }
      case 'Squeeze': {
        const axes = (attrInts(n, 'axes') ?? ints(n.input[1]))?.map((a) => norm(a, x.length));
        set(axes ? x.filter((_, k) => !axes.includes(k)) : x.filter((d) => d !== 1));
        break;
      }
      case 'Unsqueeze': {
        const axes = attrInts(n, 'axes') ?? ints(n.input[1]) ?? [];
        const out = [...x];
        for (const a of axes.map((v) => norm(v, x.length + axes.length)).sort((p, q) => p - q)) out.splice(a, 0, 1);
        set(out);
        break;
      }
      case 'Expand': {
        const target = ints(n.input[1]);
        if (target) set(broadcast([x, target]));
        else { set(x); guessed.push(n.name || op); }
        break;
      }
      case 'LayerNormalization': case 'SimplifiedLayerNormalization': case 'SkipLayerNormalization': case 'SkipSimplifiedLayerNormalization': {
        // Output 0 (and a Skip* op's output 3, the input+skip+bias sum) is x; the optional statistics have the normalized axes reduced to 1.
        const from = op.startsWith('Skip') ? x.length - 1 : norm(attrInt(n, 'axis', -1), x.length);
        const stats = x.map((d, k) => (k >= from ? 1 : d));
        set(x);
        set(stats, 'float', 1);
        set(stats, 'float', 2);
        set(x, dt, 3);
        break;
      }
      case 'Attention': case 'QAttention': {
        // Weights [in, q+k+v hidden] (qkv_hidden_sizes when the three differ); output [B, S, v hidden], present [2, B, N, past+S, head].
        const w = ins[1]?.dims ?? [];
        const sizes = attrInts(n, 'qkv_hidden_sizes');
        const vHidden = sizes?.length === 3 ? sizes[2] : (w[1] ?? 0) / 3;
        set([x[0], x[1], vHidden], 'float');
        const heads = attrInt(n, 'num_heads', 1);
        const past = ins[op === 'QAttention' ? 8 : 4]?.dims;
        if (n.output[1]) set([2, x[0], heads, (past?.[3] ?? 0) + x[1], vHidden / heads], 'float', 1);
        break;
      }
      case 'MultiHeadAttention': {
        // Query [B, S, D] or packed QKV [B, S, N, 3, H]; value [B, L, Dv] or [B, N, L, H]: the output is [B, S, Dv].
        const v = ins[2]?.dims;
        const vHidden = v?.length === 3 ? v[2] : v?.length === 4 ? v[1] * v[3] : x.length === 5 ? x[2] * x[4] : x[2];
        set([x[0], x[1], vHidden], 'float');
        break;
      }
      case 'EmbedLayerNormalization': {
        // Token ids [B, S], word embedding [V, H]: the normalized embedding [B, S, H], the mask index [B], the embedding sum.
        const hidden = ins[2]?.dims[1] ?? 0;
        set([x[0], x[1], hidden], 'float');
        set([x[0]], 'int32', 1);
        set([x[0], x[1], hidden], 'float', 2);
        break;
      }
      case 'Shape': set([x.length], 'int64'); break;
      case 'Gather': {
        const idx = ins[1]?.dims ?? [];
        const axis = norm(attrInt(n, 'axis', 0), x.length);
        set([...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]);
        break;
      }
      case 'Cast': set(x, DTYPE_NAMES[attrInt(n, 'to', 1)] ?? 'float'); break;
      case 'QuantizeLinear': set(x, ins[2]?.dtype ?? 'uint8'); break;
      case 'DynamicQuantizeLinear': set(x, 'uint8'); set([], 'float', 1); set([], 'uint8', 2); break;
      case 'DequantizeLinear': set(x, 'float'); break;
      case 'QLinearAdd': case 'QLinearMul':
        set(broadcast([x, ins[3]?.dims ?? []]), ins[7]?.dtype ?? dt);
        break;
      case 'Split': {
        const axis = norm(attrInt(n, 'axis', 0), x.length);
        const split = attrInts(n, 'split') ?? ints(n.input[1]) ?? n.output.map(() => x[axis] / n.output.length);
        n.output.forEach((_, k) => { const d = [...x]; d[axis] = split[k]; set(d, dt, k); });
        break;
      }
      default: {
        if (ELEMENTWISE.has(op)) { set(broadcast(ins.filter(Boolean).map((t) => t!.dims)), op === 'Where' ? ins[1]?.dtype ?? dt : COMPARE.has(op) ? 'bool' : dt); break; }
        if (SAME_SHAPE.has(op)) { set(x); break; }
        set(x);
        guessed.push(n.name || op);
      }
    }
  }
  return { tensors, guessed };
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Where', 'Equal', 'Less', 'Greater', 'And', 'Or', 'PRelu', 'BiasGelu', 'Mod']);
const COMPARE = new Set(['Equal', 'Less', 'Greater', 'And', 'Or']);
/** Ops whose first output has the first input's shape. */
const SAME_SHAPE = new Set([
  'Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Erf', 'Reciprocal',
  'LeakyRelu', 'Elu', 'Selu', 'Softplus', 'Gelu', 'FastGelu', 'QuickGelu', 'BiasGelu', 'Identity', 'Dropout', 'Softmax', 'LogSoftmax',
  'BatchNormalization', 'InstanceNormalization', 'QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearSoftmax', 'Floor', 'Ceil', 'Round',
]);

/** NHWC kernels: channels_last=1, or the Nhwc* contrib ops. */
const channelsLast = (n: NodeProto): boolean => attrInt(n, 'channels_last', 0) === 1 || n.opType.startsWith('Nhwc');
const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
const roundUp = (v: number, b: number) => Math.ceil(v / b) * b;

/** The NCHWc block size of this host (the optimized graph was made here, so it matches). */
const nchwcBlock = (_graph: GraphProto): number => (cachedBlock ??= nchwcBlockSize());
let cachedBlock: number | undefined;

/** Float values of a constant (scales of Resize/Upsample). */
function readFloats(initializers: Map<string, TensorProto>, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const t = initializers.get(name);
  if (!t) return undefined;
  if (t.dataType === DataType.FLOAT && t.rawData && t.rawData.length) {
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.length / 4 }, (_, i) => dv.getFloat32(i * 4, true));
  }
  return t.floatData ? [...t.floatData] : undefined;
}
