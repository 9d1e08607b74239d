import { beforeAll, describe, expect, it } from 'vitest';
import { costOptimizedGraph, estimateLatency } from '../../../core/latency/estimate';
import { encodeWithFixedInputs } from '../../../core/latency/fixed-shape';
import { optimizedGraph } from '../../../core/latency/ort-graph';
import { LatencyPredictor } from '../../../core/latency/predictor';
import { buildTable } from '../../../core/latency/profiler';
import { LatencyTable } from '../../../core/latency/table';
import { encodeModel } from '../../../core/onnx/model-io';
import { convBnRelu, convSoftmax, qdqConv } from './fixtures';

const shapes = { x: [1, 8, 16, 16] };

describe('fusion-aware walk over the graph onnxruntime runs', () => {
  let table: LatencyTable;
  beforeAll(async () => {
    table = await buildTable([
      { label: 'conv-bn-relu', shapes, make: convBnRelu },
      { label: 'qdq-conv', shapes, make: qdqConv },
    ], { runs: 2, warmup: 1 });
  }, 120_000);

  it('costs Conv+BN+Relu as one fused conv, from the table', async () => {
    const graph = (await optimizedGraph(encodeWithFixedInputs(convBnRelu(), shapes))).graph;
    const { breakdown } = costOptimizedGraph(graph, shapes, new LatencyPredictor(table));
    const convs = breakdown.filter((b) => b.op.includes('Conv'));
    expect(convs).toHaveLength(1);
    expect(breakdown.some((b) => b.op.includes('BatchNormalization') || b.op.endsWith(':Relu'))).toBe(false);
    expect(convs[0].method).toBe('table');
    // The fused activation is part of the conv's configuration, so a plain conv would not match it.
    const node = graph.node.find((n) => n.name === convs[0].name)!;
    expect(new TextDecoder().decode(node.attribute.find((a) => a.name === 'activation')?.s)).toBe('Relu');
  });

  it('costs DQ → Conv → Q as one integer conv', async () => {
    const est = await estimateLatency(encodeModel(qdqConv()), new LatencyPredictor(table), { shapes });
    const ops = est.breakdown.map((b) => b.op);
    expect(ops.filter((o) => o.endsWith('QLinearConv'))).toHaveLength(1);
    expect(ops.some((o) => o.endsWith(':Conv') || o.endsWith('FusedConv'))).toBe(false);
    expect(est.breakdown.every((b) => b.method === 'table')).toBe(true);
    expect(est.guessedOps).toEqual([]);
    expect(est.predictedMs).toBeGreaterThan(0);
  });

  it('estimates an op the table and regressors never saw with a stated fallback', async () => {
    const est = await estimateLatency(convSoftmax(), new LatencyPredictor(table), { shapes });
    expect(est.guessedOps).toEqual(['ai.onnx:Softmax']);
    expect(est.breakdown.find((b) => b.op === 'ai.onnx:Softmax')!.method).toBe('fallback');
    expect(est.warnings.some((w) => w.includes('ai.onnx:Softmax') && w.includes('fallback'))).toBe(true);
    expect(est.predictedMs).toBeGreaterThan(0);
  });

  it('predicts no speedup from unstructured sparsity and says so', async () => {
    const dense = convBnRelu();
    const sparse = convBnRelu();
    const w = sparse.graph.initializer.find((t) => t.name === 'w')!;
    const data = new Float32Array(new Uint8Array(w.rawData!).buffer);
    for (let i = 0; i < data.length; i += 2) data[i] = 0;
    w.rawData = new Uint8Array(data.buffer);
    const p = new LatencyPredictor(table);
    const [a, b] = [await estimateLatency(dense, p, { shapes }), await estimateLatency(sparse, p, { shapes })];
    expect(b.predictedMs).toBe(a.predictedMs);
    expect(b.sparsity.zeroWeightShare).toBeGreaterThan(0.4);
    expect(b.sparsity.note).toMatch(/predicts no speedup/);
  });
});
