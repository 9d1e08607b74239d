import { describe, expect, it } from 'vitest';
import { SlimflowError } from '../../../core/errors';
import { patternFeed } from '../../../core/latency/fixed-shape';
import { loadPpOcr } from '../../../core/latency/variants';
import { readWeight } from '../../../core/onnx/graph';
import { encodeModel } from '../../../core/onnx/model-io';
import { ModelSession } from '../../../core/runtime/session';
import { pruneChannels, sliceAxis } from '../../../core/sparsity/channel-prune';

const convWeights = (m: ReturnType<typeof loadPpOcr>) =>
  m.graph.node.filter((n) => n.opType === 'Conv').map((n) => readWeight(m.graph, n.input[1])!.data.length).reduce((a, b) => a + b, 0);

describe('pruneChannels', () => {
  it('slices a weight along an axis keeping the chosen indices in order', () => {
    const w = { data: Float32Array.from({ length: 12 }, (_, i) => i), dims: [3, 4] };
    expect(sliceAxis(w, 0, [0, 2])).toEqual({ data: Float32Array.of(0, 1, 2, 3, 8, 9, 10, 11), dims: [2, 4] });
    expect(sliceAxis(w, 1, [1, 3])).toEqual({ data: Float32Array.of(1, 3, 5, 7, 9, 11), dims: [3, 2] });
  });

  it('makes the PP-OCR classifier structurally smaller and still runnable, deterministically', async () => {
    const base = loadPpOcr('cls');
    const { model, report } = pruneChannels(base, 0.5);
    expect(report.prunedConvs).toBeGreaterThan(5);
    expect(report.removedFilters).toBeGreaterThan(0);
    expect(convWeights(model)).toBeLessThan(convWeights(base));
    expect(encodeModel(pruneChannels(base, 0.5).model)).toEqual(encodeModel(model));
    const s = await ModelSession.create(encodeModel(model));
    try {
      const out = await s.run(patternFeed({ x: [2, 3, 48, 192] }));
      expect(Object.values(out)[0].dims).toEqual([2, 2]);
    } finally {
      await s.release();
    }
  });

  it('keeps a multiple of 8 filters in every pruned conv (the CPU layout block), unless told otherwise', () => {
    const base = loadPpOcr('det');
    const couts = (m: ReturnType<typeof loadPpOcr>) => new Map(m.graph.node.filter((n) => n.opType === 'Conv').map((n) => [n.name, readWeight(m.graph, n.input[1])!.dims[0]]));
    const before = couts(base);
    const changed = (m: ReturnType<typeof loadPpOcr>) => [...couts(m)].filter(([name, c]) => c !== before.get(name)).map(([, c]) => c);
    const aligned = changed(pruneChannels(base, 0.3).model);
    expect(aligned.length).toBeGreaterThan(5);
    for (const c of aligned) expect(c % 8).toBe(0);
    const free = changed(pruneChannels(base, 0.3, { align: 1 }).model);
    expect(free.some((c) => c % 8 !== 0)).toBe(true);
  });

  it('leaves the channels of protected tensors (distillation nodes) alone', () => {
    const base = loadPpOcr('det');
    const convs = base.graph.node.filter((n) => n.opType === 'Conv');
    const couts = (m: ReturnType<typeof loadPpOcr>) => new Map(m.graph.node.filter((n) => n.opType === 'Conv').map((n) => [n.name, readWeight(m.graph, n.input[1])!.dims[0]]));
    const pruned = couts(pruneChannels(base, 0.3).model);
    const victim = convs.find((n) => pruned.get(n.name) !== readWeight(base.graph, n.input[1])!.dims[0])!;
    const kept = couts(pruneChannels(base, 0.3, { protect: [victim.output[0]] }).model);
    expect(kept.get(victim.name)).toBe(readWeight(base.graph, victim.input[1])!.dims[0]);
  });

  it('rejects a ratio outside [0, 1)', () => {
    expect(() => pruneChannels(loadPpOcr('cls'), 1)).toThrow(SlimflowError);
  });
});
