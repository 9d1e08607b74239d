import { describe, expect, it } from 'vitest';
import { encodeWithFixedInputs, patternFeed } from '../../../core/latency/fixed-shape';
import { profileNodes } from '../../../core/latency/ort-graph';
import { inferShapes } from '../../../core/latency/shapes';
import { int8ForLatency, loadPpOcr } from '../../../core/latency/variants';
import { Model } from '../../../core/onnx/proto';

describe('shape inference on the optimized graph', () => {
  async function mismatches(model: Model, shapes: { x: number[] }) {
    const prof = await profileNodes(encodeWithFixedInputs(model, shapes), patternFeed(shapes), { warmup: 0, runs: 1 });
    const inferred = inferShapes(prof.graph.graph, shapes);
    const byName = new Map(prof.graph.graph.node.map((n) => [n.name, n]));
    const wrong = prof.nodes.filter((p) => JSON.stringify(inferred.tensors.get(byName.get(p.name)!.output[0])?.dims) !== JSON.stringify(p.outputShapes[0]));
    return { nodes: prof.nodes.length, wrong: wrong.map((p) => p.name), guessed: inferred.guessed };
  }

  it('agrees with the shapes onnxruntime reports for every node of the rec model (NCHWc, fused attention)', async () => {
    const r = await mismatches(loadPpOcr('rec'), { x: [1, 3, 48, 160] });
    expect(r.nodes).toBeGreaterThan(300);
    expect(r.wrong).toEqual([]);
    expect(r.guessed).toEqual([]);
  }, 60_000);

  it('follows the NHWC integer kernels of a QDQ model', async () => {
    const shapes = { x: [1, 3, 48, 192] };
    const r = await mismatches(await int8ForLatency(loadPpOcr('cls'), shapes), shapes);
    expect(r.wrong).toEqual([]);
  }, 120_000);
});
