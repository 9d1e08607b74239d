import { describe, expect, it } from 'vitest';
import { withStandInWeights } from '../../bench/latency-stand-ins';
import { graphNodeConfigs } from '../../core/latency/estimate';
import { encodeWithFixedInputs, InputShapes } from '../../core/latency/fixed-shape';
import { optimizedGraph } from '../../core/latency/ort-graph';
import { configKey } from '../../core/latency/signature';
import { loadPpOcr, prunedForLatency } from '../../core/latency/variants';
import { encodeModel } from '../../core/onnx/model-io';
import { GraphProto, Model, toNum } from '../../core/onnx/proto';
import { convBnRelu, qdqConv } from '../core/latency/fixtures';

/** Every node as onnxruntime wrote it (domain, op, arity, attributes) with its cost configuration; names aside. */
function nodeList(graph: GraphProto, shapes: InputShapes): string[] {
  const configs = graphNodeConfigs(graph, shapes).nodes.map((n) => configKey(n.config));
  return graph.node.filter((n) => n.opType !== 'Constant').map((n, k) => JSON.stringify([
    n.domain ?? '', n.opType, n.input.length, n.output.length,
    n.attribute.map((a) => [a.name, a.i != null ? toNum(a.i) : null, a.f ?? null, (a.ints ?? []).map(toNum), a.floats ?? [], a.s ? Buffer.from(a.s).toString() : null]),
    configs[k],
  ]));
}

/** onnxruntime's optimized node lists for the model and for its stand-in copy. */
async function bothGraphs(m: Model, shapes: InputShapes) {
  const real = (await optimizedGraph(encodeWithFixedInputs(m, shapes))).graph;
  const standIn = (await optimizedGraph(encodeWithFixedInputs(withStandInWeights(m), shapes))).graph;
  return { real: nodeList(real, shapes), standIn: nodeList(standIn, shapes) };
}

describe('stand-in weights (the first-sight breakdown experiment)', () => {
  it('replace large weights by ConstantOfShape and leave Q/DQ parameters and the caller alone', () => {
    const m = qdqConv();
    const before = encodeModel(m);
    const s = withStandInWeights(m);
    expect(encodeModel(m)).toEqual(before);
    expect(s.graph.node.find((n) => n.output[0] === 'wq')?.opType).toBe('ConstantOfShape');
    expect(s.graph.initializer.some((t) => t.name === 'wq')).toBe(false);
    for (const name of ['xs', 'xz', 'ws', 'ys', 'yz']) expect(s.graph.initializer.find((t) => t.name === name)).toBe(m.graph.initializer.find((t) => t.name === name));
    expect(encodeModel(s).length).toBeLessThan(before.length / 2);
  });

  it('replace the large Constant nodes paddle2onnx keeps weights in, and keep the small ones', () => {
    const m = loadPpOcr('cls');
    const s = withStandInWeights(m);
    const count = (g: GraphProto, op: string) => g.node.filter((n) => n.opType === op).length;
    expect(count(s.graph, 'ConstantOfShape')).toBeGreaterThan(10);
    expect(count(s.graph, 'Constant')).toBeGreaterThan(0);
    expect(count(s.graph, 'Constant') + count(s.graph, 'ConstantOfShape')).toBe(count(m.graph, 'Constant'));
    expect(encodeModel(s).length).toBeLessThan(encodeModel(m).length / 4);
  });

  it('leave onnxruntime\'s optimized graph node for node as it is: Conv+BN+Relu, QDQ conv', async () => {
    const shapes = { x: [1, 8, 16, 16] };
    for (const m of [convBnRelu(), qdqConv()]) {
      const { real, standIn } = await bothGraphs(m, shapes);
      expect(real.length).toBeGreaterThan(0);
      expect(standIn).toEqual(real);
    }
  }, 60_000);

  it('leave it as it is on PP-OCR: cls FP32, cls pruned 50%, det FP32', async () => {
    const cls = loadPpOcr('cls');
    for (const [m, shape] of [[cls, [8, 3, 48, 192]], [prunedForLatency(cls, 0.5), [8, 3, 48, 192]], [loadPpOcr('det'), [1, 3, 640, 640]]] as const) {
      const { real, standIn } = await bothGraphs(m, { x: [...shape] });
      expect(real.length).toBeGreaterThan(100);
      expect([...standIn].sort()).toEqual([...real].sort());
    }
  }, 180_000);
});
