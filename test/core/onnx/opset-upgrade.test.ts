import { describe, expect, it } from 'vitest';
import { makeNode } from '../../../core/onnx/graph';
import { encodeModel, opsetVersion, readModel } from '../../../core/onnx/model-io';
import { upgradeOpset } from '../../../core/onnx/opset-upgrade';
import { attr } from '../../../core/onnx/graph';
import { Model } from '../../../core/onnx/proto';
import { compareOutputs, patternInput, PPOCR } from './ppocr-models';

describe('upgradeOpset to 13', () => {
  for (const m of PPOCR) {
    it(`keeps ${m.name} outputs identical and leaves no old-style attributes`, async () => {
      const original = readModel(m.file);
      const up = upgradeOpset(original);
      expect(opsetVersion(up)).toBe(13);
      expect(opsetVersion(original)).toBeLessThan(13);
      for (const n of up.graph.node) {
        if (n.opType === 'Clip' || n.opType === 'Slice' || n.opType === 'Squeeze') {
          expect(n.attribute.map((a) => a.name)).toEqual([]);
        }
      }
      const diff = await compareOutputs(m.file, encodeModel(up), patternInput(m.dims));
      expect(diff.abs).toBeLessThanOrEqual(1e-5);
    });
  }

  it('rewrites a Softmax over a non-last axis with Flatten so its opset-9 meaning survives', async () => {
    // Softmax-9 at axis 1 of N×3×4 normalizes over the 12 values of each row, not over the 3 channels.
    const model: Model = {
      irVersion: 7,
      opsetImport: [{ domain: '', version: 9 }],
      graph: {
        name: 'softmax', node: [makeNode('Softmax', ['x'], ['y'], 'sm', [attr.int('axis', 1)])], initializer: [],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }], valueInfo: [],
      },
    };
    const up = upgradeOpset(model);
    expect(up.graph.node.map((n) => n.opType)).toEqual(['Shape', 'Flatten', 'Softmax', 'Reshape']);
    const diff = await compareOutputs(encodeModel(model), encodeModel(up), patternInput([2, 3, 4]));
    expect(diff.abs).toBeLessThanOrEqual(1e-6);
  });
});
