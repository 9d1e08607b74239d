import { describe, expect, it } from 'vitest';
import { attr, makeNode, readWeight } from '../../../core/onnx/graph';
import { Model } from '../../../core/onnx/proto';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { geometricMedianScores, pruneChannels } from '../../../core/sparsity/channel-prune';

/** Deterministic values in [-1, 1) (a linear congruential sequence). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** x → conv a (filters given, 2 input channels, 1×1) → conv b (reads a's channels) → y. */
function twoConvs(filters: number[][]): Model {
  const cout = filters.length;
  const pointwise = (name: string, x: string) => makeNode('Conv', [x, `${name}.w`, `${name}.b`], [name], name, [attr.ints('kernel_shape', [1, 1])]);
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'fpgm',
      node: [pointwise('a', 'x'), pointwise('b', 'a')],
      initializer: [
        floatTensorProto('a.w', [cout, 2, 1, 1], Float32Array.from(filters.flat())),
        floatTensorProto('a.b', [cout], new Float32Array(cout)),
        floatTensorProto('b.w', [3, cout, 1, 1], values(3 * cout, 7)),
        floatTensorProto('b.b', [3], new Float32Array(3)),
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [1, 2, 4, 4].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'b' }],
      valueInfo: [],
    },
  };
}

describe('channel pruning by geometric median (FPGM)', () => {
  it("scores each filter by its summed Euclidean distance to the others, as a direct sum does", () => {
    const f = 9;
    const per = 12;
    const data = values(f * per, 3);
    const got = geometricMedianScores({ data, dims: [f, 3, 2, 2] });
    for (let i = 0; i < f; i++) {
      let want = 0;
      for (let j = 0; j < f; j++) {
        let d2 = 0;
        for (let k = 0; k < per; k++) d2 += (data[i * per + k] - data[j * per + k]) ** 2;
        want += Math.sqrt(d2);
      }
      expect(got[i]).toBeCloseTo(want, 9);
    }
  });

  it('removes the filters the others can stand in for, where L1 would keep them for their norm', () => {
    // Filters 2 and 3 have the largest L1 norms but sit between 0 and 1, near the layer's geometric median.
    const model = twoConvs([[3, 0], [0, 3], [1.6, 1.55], [1.55, 1.6]]);
    const l1 = pruneChannels(model, 0.5, { align: 1, coupled: false });
    const gm = pruneChannels(model, 0.5, { align: 1, coupled: false, criterion: 'geometric_median' });
    expect(l1.report.kept.a).toEqual([2, 3]);
    expect(gm.report.kept.a).toEqual([0, 1]);
    // The reader lost the matching input channels.
    expect(readWeight(gm.model.graph, 'a.w')!.data).toEqual(Float32Array.of(3, 0, 0, 3));
    const b = values(3 * 4, 7);
    expect(readWeight(gm.model.graph, 'b.w')!.data).toEqual(Float32Array.of(b[0], b[1], b[4], b[5], b[8], b[9]));
  });
});
