// A tiny BERT-like encoder as torch exports one (embeddings + LayerNorm, one self-attention layer with
// an additive mask from the int64 attention_mask, residual + LayerNorm, a Gelu feed-forward, residual +
// LayerNorm), small enough to profile in a second: the latency tests build tables from it.
import { attr } from '../../../core/onnx/graph';
import { DataType } from '../../../core/onnx/proto';
import { int8TensorProto } from '../../../core/onnx/tensor-data';
import { GraphBuilder, intFeed, StyledGraph } from '../../fixtures/export-styles';

const VOCAB = 64;
const HIDDEN = 32;
const HEADS = 4;
const FF = 64;
const MAX_POS = 32;
const CONTRIB = new Set(['Attention', 'MultiHeadAttention', 'QAttention']);
const QKV_INT8 = 'attention.qkv.weight_quantized';
const QKV_INT8_ZERO = 'attention.qkv.weight_zero_point';

/** LayerNormalization over the last axis (opset 17 op), with random gain and shift. */
const layerNorm = (b: GraphBuilder, x: string) =>
  b.op('LayerNormalization', [x, b.weight([HIDDEN], 'ln.weight', 0.5, 1.5), b.weight([HIDDEN], 'ln.bias')], [attr.int('axis', -1), attr.float('epsilon', 1e-12)]);

/** Gelu through Erf, as torch writes it before opset 20. */
function gelu(b: GraphBuilder, x: string): string {
  const erf = b.op('Erf', [b.op('Div', [x, b.floats([Math.SQRT2], [], 'sqrt2')])]);
  return b.op('Mul', [b.op('Mul', [x, b.op('Add', [erf, b.floats([1], [], 'one')])]), b.floats([0.5], [], 'half')]);
}

/** One encoder layer of `layers`, batch and sequence dynamic. */
export function tinyBert(layers = 1): StyledGraph {
  const b = new GraphBuilder({ opset: 17, weights: 'initializers' }, 41);
  const ids = b.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = b.input('attention_mask', 'int64', ['batch', 'sequence']);
  const d = HIDDEN / HEADS;
  const words = b.op('Gather', [b.weight([VOCAB, HIDDEN], 'embeddings.word'), ids]);
  const positions = b.op('Gather', [b.weight([MAX_POS, HIDDEN], 'embeddings.position'), b.unsqueeze(b.op('Range', [b.ints([0], []), b.dim(ids, 1), b.ints([1], [])]), [0])]);
  let h = layerNorm(b, b.op('Add', [words, positions]));
  const m = b.op('Cast', [b.unsqueeze(mask, [1, 2])], [attr.int('to', DataType.FLOAT)]);
  const additive = b.op('Mul', [b.op('Sub', [b.floats([1], [], 'one'), m]), b.floats([-10000], [], 'neg')]);
  const heads = b.ints([0, 0, HEADS, d]);
  const merged = b.ints([0, 0, HIDDEN]);
  for (let l = 0; l < layers; l++) {
    const split = (t: string, perm: number[]) => b.op('Transpose', [b.op('Reshape', [t, heads])], [attr.ints('perm', perm)]);
    const q = split(b.linear(h, HIDDEN, HIDDEN), [0, 2, 1, 3]);
    const kT = split(b.linear(h, HIDDEN, HIDDEN), [0, 2, 3, 1]);
    const v = split(b.linear(h, HIDDEN, HIDDEN), [0, 2, 1, 3]);
    const scores = b.op('Div', [b.op('MatMul', [q, kT]), b.floats([Math.sqrt(d)], [], 'scale')]);
    const probs = b.op('Softmax', [b.op('Add', [scores, additive])], [attr.int('axis', -1)]);
    const ctx = b.op('Reshape', [b.op('Transpose', [b.op('MatMul', [probs, v])], [attr.ints('perm', [0, 2, 1, 3])]), merged]);
    h = layerNorm(b, b.op('Add', [b.linear(ctx, HIDDEN, HIDDEN), h]));
    h = layerNorm(b, b.op('Add', [b.linear(gelu(b, b.linear(h, HIDDEN, FF)), FF, HIDDEN), h]));
  }
  b.rename(h, 'last_hidden_state');
  b.output('last_hidden_state', 'float32', ['batch', 'sequence', HIDDEN]);
  const mask01 = intFeed([2, 16], 2, 8);
  for (let s = 0; s < 2; s++) mask01.data[s * 16] = 1n;
  return { model: b.build('tiny-bert'), feeds: { input_ids: intFeed([2, 16], VOCAB), attention_mask: mask01 } };
}

/**
 * The same encoder as onnxruntime's transformer optimizer writes it, with attention already fused:
 * layer 0 a com.microsoft Attention (packed QKV weight, int32 mask), layer 1 a MultiHeadAttention
 * fed by separate Q, K, V projections, layer 2 a QAttention (int8 weight, input quantized at run time). onnxruntime's CPU graph optimizer does not make these from an
 * export (its MatMul+Add→Gemm fusion runs first), so a user's model that has them was pre-fused.
 */
export function tinyBertPrefused(): StyledGraph {
  const b = new GraphBuilder({ opset: 17, weights: 'initializers' }, 42);
  const ids = b.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = b.input('attention_mask', 'int64', ['batch', 'sequence']);
  const words = b.op('Gather', [b.weight([VOCAB, HIDDEN], 'embeddings.word'), ids]);
  let h = layerNorm(b, b.op('Add', [words, b.op('Gather', [b.weight([MAX_POS, HIDDEN], 'embeddings.position'), b.unsqueeze(b.op('Range', [b.ints([0], []), b.dim(ids, 1), b.ints([1], [])]), [0])])]));
  const mask32 = b.op('Cast', [mask], [attr.int('to', DataType.INT32)]);
  const contrib = (opType: string, inputs: string[]) => b.op(opType, inputs, [attr.int('num_heads', HEADS)]);
  const block = (ctx: string) => {
    h = layerNorm(b, b.op('Add', [b.linear(ctx, HIDDEN, HIDDEN), h]));
    h = layerNorm(b, b.op('Add', [b.linear(gelu(b, b.linear(h, HIDDEN, FF)), FF, HIDDEN), h]));
  };
  block(contrib('Attention', [h, b.weight([HIDDEN, 3 * HIDDEN], 'attention.qkv.weight'), b.weight([3 * HIDDEN], 'attention.qkv.bias'), mask32]));
  const proj = () => b.op('MatMul', [h, b.weight([HIDDEN, HIDDEN], 'linear.weight')]);
  block(contrib('MultiHeadAttention', [proj(), proj(), proj(), b.weight([3 * HIDDEN], 'attention.qkv.bias'), mask32]));
  // Layer 2 as onnxruntime's quantize_dynamic writes a fused Attention: QAttention on the run-time quantized input, int8 QKV weight.
  const [hq, hs, hz] = b.ops('DynamicQuantizeLinear', [h], [], 3);
  block(contrib('QAttention', [hq, QKV_INT8, b.weight([3 * HIDDEN], 'attention.qkv.bias'), hs, b.floats([0.01], [], 'qkv.scale'), mask32, hz, QKV_INT8_ZERO]));
  b.rename(h, 'last_hidden_state');
  b.output('last_hidden_state', 'float32', ['batch', 'sequence', HIDDEN]);
  const mask01 = intFeed([2, 16], 2, 8);
  for (let s = 0; s < 2; s++) mask01.data[s * 16] = 1n;
  const model = b.build('tiny-bert-prefused');
  const weights = Int8Array.from({ length: HIDDEN * 3 * HIDDEN }, (_, i) => ((i * 37) % 255) - 127);
  model.graph.initializer.push(int8TensorProto(QKV_INT8, [HIDDEN, 3 * HIDDEN], weights), int8TensorProto(QKV_INT8_ZERO, [], Int8Array.of(0)));
  for (const n of model.graph.node) if (CONTRIB.has(n.opType)) n.domain = 'com.microsoft';
  model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  return { model, feeds: { input_ids: intFeed([2, 16], VOCAB), attention_mask: mask01 } };
}
