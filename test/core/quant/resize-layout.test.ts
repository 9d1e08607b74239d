import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../../../core/onnx/graph';
import { Model } from '../../../core/onnx/proto';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { nchwNearestResize } from '../../../core/quant/resize-layout';
import { rng, runOnce } from './calibration-fixtures';

/** x → Resize(mode, scales) → Add(x2 upsampled elsewhere) with symbolic batch and spatial dims. */
function upsample(mode: string, scales: number[]): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'resize',
      node: [makeNode('Resize', ['x', '', 'scales'], ['y'], 'up', [attr.string('mode', mode), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')])],
      initializer: [floatTensorProto('scales', [4], Float32Array.from(scales))],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 3 }, { dimParam: 'h' }, { dimParam: 'w' }] } } } }],
      output: [{ name: 'y' }],
      valueInfo: [],
    },
  };
}

describe('nearest Resize on [N·C, 1, H, W] planes', () => {
  const dims = [2, 3, 5, 7];
  const r = rng(4);
  const x = { x: { data: Float32Array.from({ length: 2 * 3 * 5 * 7 }, () => r()), dims } };

  it('wraps a 2x nearest upsample in reshapes and gives the same values for any batch and size', async () => {
    const original = upsample('nearest', [1, 1, 2, 2]);
    const wrapped = structuredClone(original);
    expect(nchwNearestResize(wrapped.graph)).toBe(1);
    expect(wrapped.graph.node.filter((n) => n.opType === 'Reshape')).toHaveLength(2);
    const [a, b] = await Promise.all([runOnce(original, x), runOnce(wrapped, x)]);
    expect(b.length).toBe(2 * 3 * 10 * 14);
    expect([...b]).toEqual([...a]);
  });

  it('leaves linear Resizes and Resizes that scale the channel axis alone', () => {
    for (const m of [upsample('linear', [1, 1, 2, 2]), upsample('nearest', [1, 2, 2, 2])]) {
      expect(nchwNearestResize(m.graph)).toBe(0);
      expect(m.graph.node.map((n) => n.opType)).toEqual(['Resize']);
    }
  });
});
