// Tables built from the user's model and its variants (slimflow profile --model): the entries are the
// fused nodes onnxruntime runs for that model, and an estimate of the model (or of a variant) from its
// own table is costed from those entries, never guessed. Nothing here times anything against a bound.
import { beforeAll, describe, expect, it } from 'vitest';
import { attr } from '../../../core/onnx/graph';
import { estimateLatency } from '../../../core/latency/estimate';
import { buildTable, modelSources } from '../../../core/latency/profiler';
import { LatencyPredictor } from '../../../core/latency/predictor';
import { LatencyTable } from '../../../core/latency/table';
import { macs } from '../../../core/latency/signature';
import { dynamicForLatency, int8ForLatency, prunedForLatency } from '../../../core/latency/variants';
import { FeedInput } from '../../../core/feed';
import { Model } from '../../../core/onnx/proto';
import { cloneModel } from '../../../core/onnx/clone';
import { GraphBuilder } from '../../fixtures/export-styles';
import { tinyBert, tinyBertPrefused } from './transformer-fixture';

const TOKENS: FeedInput[] = [
  { name: 'input_ids', dtype: 'int64', shape: [2, 16] },
  { name: 'attention_mask', dtype: 'int64', shape: [2, 16] },
];
const tokenShapes = Object.fromEntries(TOKENS.map((i) => [i.name, i.shape]));
const OPTS = { runs: 2, warmup: 1, passes: 1 };

/** A small CNN wide enough for channel pruning to remove filters (kept widths are rounded to 8). */
function smallCnn(): Model {
  const b = new GraphBuilder({ opset: 13, weights: 'initializers' }, 51);
  const x = b.input('x', 'float32', ['batch', 3, 32, 32]);
  let t = b.op('Relu', [b.conv(x, 3, 32, 3)]);
  t = b.op('Relu', [b.conv(t, 32, 32, 3, { stride: 2 })]);
  t = b.op('Relu', [b.conv(t, 32, 32, 3)]);
  const logits = b.op('Gemm', [b.op('Flatten', [b.op('GlobalAveragePool', [t])]), b.weight([10, 32]), b.weight([10])], [attr.int('transB', 1)]);
  b.rename(logits, 'logits');
  b.output('logits', 'float32', ['batch', 10]);
  return b.build('small-cnn');
}

const ops = (t: LatencyTable) => new Set(t.entries.map((e) => e.config.op));

/** Estimate `model` from `table` and return how each node was costed. */
async function costed(model: Model, table: LatencyTable, shapes: Record<string, number[]>) {
  const est = await estimateLatency(model, new LatencyPredictor(table), { shapes, cache: false });
  return est;
}

describe('a latency table from an exported transformer and its variants', () => {
  let table: LatencyTable;
  beforeAll(async () => {
    const base = tinyBert(2).model;
    table = await buildTable(modelSources('bert', () => cloneModel(base), TOKENS), OPTS);
  }, 120_000);

  it('profiles the model, its rewrite, both INT8 placements and the dynamic INT8 variant, with int64 token feeds', () => {
    expect(table.sources.map((s) => s.label)).toEqual(['bert/fp32', 'bert/fp32@batch1', 'bert/fp32-rewritten', 'bert/int8-integer-path', 'bert/int8-conv-only', 'bert/int8-dynamic']);
    expect(table.sources[0].shapes).toEqual(tokenShapes);
    // No convs: neither float-ends nor pruned widths exist for it.
    expect(table.sources.some((s) => /prune|float-ends/.test(s.label))).toBe(false);
  });

  it("holds entries for the fusions onnxruntime applied, as the optimized graph names them, shaped as onnxruntime ran them", () => {
    const have = ops(table);
    for (const op of ['com.microsoft:SkipLayerNormalization', 'com.microsoft:Gelu', 'com.microsoft:FusedMatMul', 'com.microsoft:DynamicQuantizeMatMul', 'com.microsoft:MatMulIntegerToFloat']) expect(have).toContain(op);
    // The shape pass agrees with onnxruntime's profiler on every node's output: the fused nodes are keyed right.
    expect(table.sources.map((s) => s.shapeMismatches)).toEqual(table.sources.map(() => 0));
  });

  it('estimates the model from its own table with every node a table entry', async () => {
    const est = await costed(tinyBert(2).model, table, tokenShapes);
    expect(est.methods).toEqual({ table: est.nodes, regressor: 0, scaled: 0, fallback: 0 });
    expect(est.guessedOps).toEqual([]);
    expect(est.shapeGuesses).toEqual([]);
    expect(Number.isFinite(est.predictedMs) && est.predictedMs > 0).toBe(true);
    // And at batch 1, which the table also profiled.
    const one = await costed(tinyBert(2).model, table, { input_ids: [1, 16], attention_mask: [1, 16] });
    expect(one.methods.fallback + one.methods.regressor + one.methods.scaled).toBe(0);
  });

  it('costs a sequence length the table never saw from its op families (regressor or nearest entry), never the bytes-moved guess', async () => {
    const est = await costed(tinyBert(2).model, table, { input_ids: [2, 8], attention_mask: [2, 8] });
    expect(est.methods.fallback).toBe(0);
    expect(est.guessedOps).toEqual([]);
    expect(est.methods.regressor + est.methods.scaled).toBeGreaterThan(0);
  });

  it("costs the dynamic INT8 variant from the table's DynamicQuantizeMatMul / MatMulIntegerToFloat entries", async () => {
    const est = await costed(dynamicForLatency(tinyBert(2).model), table, tokenShapes);
    const integer = est.breakdown.filter((b) => /:(DynamicQuantizeMatMul|MatMulIntegerToFloat)$/.test(b.op));
    // Two layers × (Q, K, V, output, two feed-forward) weight MatMuls.
    expect(integer).toHaveLength(12);
    expect(integer.every((b) => b.method === 'table')).toBe(true);
    expect(est.methods.fallback).toBe(0);
    expect(est.methods.table).toBe(est.nodes);
  });

  it('costs a static INT8 placement of the model from the table', async () => {
    const est = await costed(await int8ForLatency(tinyBert(2).model, tokenShapes, [], { input_ids: 'int64', attention_mask: 'int64' }, 'conv-only'), table, tokenShapes);
    expect(est.methods.table).toBe(est.nodes);
  });
});

describe('a latency table from a transformer with attention already fused', () => {
  it('holds Attention, MultiHeadAttention and QAttention entries and costs the model from them', async () => {
    const base = tinyBertPrefused().model;
    const sources = modelSources('prefused', () => cloneModel(base), TOKENS).filter((s) => /\/(fp32|int8-dynamic)$/.test(s.label));
    const table = await buildTable(sources, OPTS);
    expect(ops(table)).toContain('com.microsoft:Attention');
    expect(ops(table)).toContain('com.microsoft:MultiHeadAttention');
    expect(ops(table)).toContain('com.microsoft:QAttention');
    expect(table.sources.map((s) => s.shapeMismatches)).toEqual([0, 0]);
    for (const model of [base, dynamicForLatency(base)]) {
      const est = await costed(model, table, tokenShapes);
      expect(est.methods.table).toBe(est.nodes);
      const attention = est.breakdown.filter((b) => /:(MultiHead|Q)?Attention$/.test(b.op));
      expect(attention.map((b) => b.method)).toEqual(['table', 'table', 'table']);
    }
    // A fused attention's regressor features carry its work: the QKV projection and both attention products.
    const att = table.entries.find((e) => e.config.op === 'com.microsoft:Attention' && e.config.inputs[0].dims[0] === 2)!;
    expect(att.config.outputs[0]).toEqual([2, 16, 32]);
    expect(macs(att.config)).toBe(2 * 16 * 32 * 96 + 2 * 2 * 16 * 16 * 32);
  }, 120_000);
});

describe('a latency table from a CNN and its variants', () => {
  it('profiles pruned widths and INT8 placements and costs each from the table', async () => {
    const base = smallCnn();
    const inputs: FeedInput[] = [{ name: 'x', dtype: 'float32', shape: [2, 3, 32, 32] }];
    const table = await buildTable(modelSources('cnn', () => cloneModel(base), inputs), OPTS);
    const labels = table.sources.map((s) => s.label.slice('cnn/'.length));
    expect(labels).toEqual(['fp32', 'fp32@batch1', 'fp32-rewritten', 'int8-integer-path', 'int8-conv-only', 'int8-float-ends', 'channel-prune-25', 'channel-prune-25-int8', 'channel-prune-50', 'channel-prune-50-int8']);
    expect(table.sources.map((s) => s.shapeMismatches)).toEqual(table.sources.map(() => 0));
    const shapes = { x: [2, 3, 32, 32] };
    for (const model of [base, prunedForLatency(base, 0.5), await int8ForLatency(prunedForLatency(base, 0.5), shapes, [], {}, 'integer-path')]) {
      const est = await costed(model, table, shapes);
      expect(est.methods).toEqual({ table: est.nodes, regressor: 0, scaled: 0, fallback: 0 });
    }
  }, 120_000);
});
