import { describe, expect, it } from 'vitest';
import { attr } from '../../../core/onnx/graph';
import { Model } from '../../../core/onnx/proto';
import { floatTensorProto } from '../../../core/onnx/tensor-data';
import { autoDistillPairs } from '../../../core/train/distill';

/** x → MatMul(W) → Add(b) → Softmax(axis) → output, like a CTC or classification head. */
function head(softmaxIsOutput: boolean): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'head',
      node: [
        { opType: 'MatMul', name: 'fc', input: ['x', 'w'], output: ['fc_out'], attribute: [] },
        { opType: 'Add', name: 'bias', input: ['fc_out', 'b'], output: ['logits'], attribute: [] },
        { opType: 'Softmax', name: 'soft', input: ['logits'], output: ['probs'], attribute: [attr.int('axis', 2)] },
        ...(softmaxIsOutput ? [] : [{ opType: 'Log', name: 'log', input: ['probs'], output: ['y'], attribute: [] }]),
      ],
      initializer: [floatTensorProto('w', [4, 5], new Float32Array(20).fill(0.1)), floatTensorProto('b', [5], new Float32Array(5))],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }, { dimValue: 4 }] } } } }],
      output: [{ name: softmaxIsOutput ? 'probs' : 'y' }],
      valueInfo: [],
    },
  };
}

/** x → Conv → Sigmoid → DepthToSpace → output, like the detector's probability map. */
function mapHead(): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'map',
      node: [
        { opType: 'Conv', name: 'conv', input: ['x', 'w'], output: ['conv_out'], attribute: [] },
        { opType: 'Sigmoid', name: 'sig', input: ['conv_out'], output: ['probs'], attribute: [] },
        { opType: 'DepthToSpace', name: 'd2s', input: ['probs'], output: ['map'], attribute: [attr.int('blocksize', 2)] },
      ],
      initializer: [floatTensorProto('w', [4, 2, 1, 1], new Float32Array(8).fill(0.1))],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [1, 2, 3, 3].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'map' }],
      valueInfo: [],
    },
  };
}

describe('automatic distillation pairs', () => {
  it('with soft_label, a sigmoid map head is distilled at its probabilities with l2', () => {
    expect(autoDistillPairs(mapHead(), 1, 'soft_label')).toEqual([{ student: 'probs', teacher: 'probs', loss: 'l2', alpha: 1 }]);
  });
  it('with soft_label, distill the logits in front of the output softmax, along its axis', () => {
    expect(autoDistillPairs(head(true), 1, 'soft_label')).toEqual([{ student: 'logits', teacher: 'logits', loss: 'soft_label', alpha: 1, params: { axis: 2 } }]);
  });
  it('with l2, keep ACT\'s choice: the last layer output', () => {
    expect(autoDistillPairs(head(true), 1, 'l2')).toEqual([{ student: 'fc_out', teacher: 'fc_out', loss: 'l2', alpha: 1 }]);
  });
  it('a softmax whose output is computed on (not just moved) is not a head', () => {
    expect(autoDistillPairs(head(false), 1, 'soft_label')).toEqual([{ student: 'fc_out', teacher: 'fc_out', loss: 'soft_label', alpha: 1 }]);
  });
});
