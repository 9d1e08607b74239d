import { describe, expect, it } from 'vitest';
import { makeNode } from '../../../core/onnx/graph';
import { encodeModel, opsetVersion, readModel } from '../../../core/onnx/model-io';
import { upgradeOpset } from '../../../core/onnx/opset-upgrade';
import { prepareModel } from '../../../core/onnx/prepare';
import { attr } from '../../../core/onnx/graph';
import { AttrType, GraphProto, Model } from '../../../core/onnx/proto';
import { Tensor } from '../../../core/tensor';
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

  it('converts the bodies of an If (opset 11): Unsqueeze axes become inputs inside the branch, a non-last Softmax keeps its meaning', async () => {
    const branch = (name: string, pre: string[], axis: number): GraphProto => ({
      name,
      node: [
        ...(pre.length ? [makeNode(pre[0], ['x'], [`${name}.pre`], `${name}.pre`)] : []),
        makeNode('Unsqueeze', [pre.length ? `${name}.pre` : 'x'], [`${name}.u`], `${name}.unsqueeze`, [attr.ints('axes', [0])]),
        makeNode('Softmax', [`${name}.u`], [`${name}.y`], `${name}.softmax`, [attr.int('axis', axis)]),
      ],
      initializer: [], input: [], valueInfo: [],
      output: [{ name: `${name}.y`, type: { tensorType: { elemType: 1, shape: { dim: [1, 2, 3].map((d) => ({ dimValue: d })) } } } }],
    });
    const model: Model = {
      irVersion: 7,
      opsetImport: [{ domain: '', version: 11 }],
      graph: {
        name: 'if', initializer: [{ name: 'zero', dims: [], dataType: 1, floatData: [0] }], valueInfo: [],
        node: [
          makeNode('ReduceSum', ['x'], ['total'], 'sum', [attr.int('keepdims', 0)]),
          makeNode('Greater', ['total', 'zero'], ['positive'], 'greater'),
          // Softmax-11 at axis 1 of 1×2×3 normalizes over all 6 values; at axis 2 over each row of 3.
          makeNode('If', ['positive'], ['y'], 'if', [
            { name: 'then_branch', type: AttrType.GRAPH, g: branch('then', [], 2) },
            { name: 'else_branch', type: AttrType.GRAPH, g: branch('else', ['Neg'], 1) },
          ]),
        ],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [1, 2, 3].map((d) => ({ dimValue: d })) } } } }],
      },
    };
    const up = upgradeOpset(model);
    const [then, otherwise] = up.graph.node[2].attribute.map((a) => a.g!);
    expect(then.node.find((n) => n.opType === 'Unsqueeze')!.input).toHaveLength(2);
    expect(then.initializer).toHaveLength(1);
    expect(otherwise.node.map((n) => n.opType)).toEqual(['Neg', 'Unsqueeze', 'Shape', 'Flatten', 'Softmax', 'Reshape']);
    for (const sign of [1, -1]) {
      const x: Record<string, Tensor> = { x: { dtype: 'float32', dims: [2, 3], data: Float32Array.from([0.5, 1, 2, -0.25, 0.75, 1.5], (v) => v * sign) } };
      const diff = await compareOutputs(encodeModel(model), encodeModel(up), x);
      expect(diff.abs).toBeLessThanOrEqual(1e-6);
      // The whole lossless rewrite keeps the If working too (its bodies read outer tensors).
      const prepared = await compareOutputs(encodeModel(model), encodeModel(prepareModel(model).model), x);
      expect(prepared.abs).toBeLessThanOrEqual(1e-6);
    }
  });

  it('names the node when a control-flow op cannot be upgraded (opset < 11)', () => {
    const model: Model = {
      irVersion: 7, opsetImport: [{ domain: '', version: 9 }],
      graph: { name: 'loop', node: [makeNode('Loop', ['n', '', 'v'], ['out'], 'the_loop')], initializer: [], input: [{ name: 'n' }, { name: 'v' }], output: [{ name: 'out' }], valueInfo: [] },
    };
    expect(() => upgradeOpset(model)).toThrow(/Loop from opset 9.*the_loop/);
  });
});
