import { attr, makeNode } from '../../../core/onnx/graph';
import { DataType, Model, NodeProto, TensorProto } from '../../../core/onnx/proto';
import { floatTensorProto, int8TensorProto, uint8TensorProto } from '../../../core/onnx/tensor-data';

const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
const ramp = (n: number, scale = 0.01) => Float32Array.from({ length: n }, (_, i) => ((i * 37) % 17 - 8) * scale);

/** A model from nodes and initializers with one float input x and one output y. */
export function model(nodes: NodeProto[], inits: TensorProto[], inDims: number[], outDims: number[] = []): Model {
  return {
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'g', node: nodes, initializer: inits, input: [vi('x', inDims)], output: [vi('y', outDims)], valueInfo: [] },
  };
}

/** x[1,8,16,16] → Conv 3×3 (16 filters) → BatchNormalization → Relu → y. */
export function convBnRelu(): Model {
  return model([
    makeNode('Conv', ['x', 'w', 'b'], ['c'], 'conv', [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])]),
    makeNode('BatchNormalization', ['c', 's', 'bb', 'm', 'v'], ['n'], 'bn'),
    makeNode('Relu', ['n'], ['y'], 'relu'),
  ], [
    floatTensorProto('w', [16, 8, 3, 3], ramp(16 * 8 * 9)), floatTensorProto('b', [16], ramp(16)),
    floatTensorProto('s', [16], new Float32Array(16).fill(1.1)), floatTensorProto('bb', [16], ramp(16)),
    floatTensorProto('m', [16], ramp(16)), floatTensorProto('v', [16], new Float32Array(16).fill(0.9)),
  ], [1, 8, 16, 16]);
}

/** x → Q → DQ → Conv(DQ(int8 w)) → Q → DQ → y: the QDQ form onnxruntime turns into QLinearConv. */
export function qdqConv(): Model {
  const sc = (name: string, v: number) => floatTensorProto(name, [], Float32Array.of(v));
  return model([
    makeNode('QuantizeLinear', ['x', 'xs', 'xz'], ['xq'], 'qx'),
    makeNode('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd'], 'dqx'),
    makeNode('DequantizeLinear', ['wq', 'ws'], ['wd'], 'dqw'),
    makeNode('Conv', ['xd', 'wd'], ['c'], 'conv', [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])]),
    makeNode('QuantizeLinear', ['c', 'ys', 'yz'], ['yq'], 'qy'),
    makeNode('DequantizeLinear', ['yq', 'ys', 'yz'], ['y'], 'dqy'),
  ], [
    sc('xs', 0.02), uint8TensorProto('xz', [], Uint8Array.of(128)), sc('ws', 0.01), sc('ys', 0.05), uint8TensorProto('yz', [], Uint8Array.of(128)),
    int8TensorProto('wq', [16, 8, 3, 3], Int8Array.from({ length: 16 * 8 * 9 }, (_, i) => (i % 61) - 30)),
  ], [1, 8, 16, 16]);
}

/** x → Conv 1×1 → Softmax(axis 1) → y: Softmax is the op a conv-only table has never seen. */
export function convSoftmax(): Model {
  return model([
    makeNode('Conv', ['x', 'w'], ['c'], 'conv', [attr.ints('kernel_shape', [1, 1])]),
    makeNode('Softmax', ['c'], ['y'], 'softmax', [attr.int('axis', 1)]),
  ], [floatTensorProto('w', [16, 8, 1, 1], ramp(128))], [1, 8, 16, 16]);
}
