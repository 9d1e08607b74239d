import { describe, expect, it } from 'vitest';
import { attr, consumerMap, findConstant, isConstant, makeNode, NameGenerator, producerMap, readInts, readWeight, removeDeadNodes, replaceWeight, topologicalOrder } from '../../../core/onnx/graph';
import { constantOperand } from '../../../core/onnx/fold-affine';
import { AttrType, DataType, GraphProto } from '../../../core/onnx/proto';
import { floatTensorProto, int64TensorProto, tensorToFloat32, tensorToInts } from '../../../core/onnx/tensor-data';

/** y = Relu(x + w) with w a Constant node, plus a dead branch and nodes listed out of order. */
function tinyGraph(): GraphProto {
  return {
    name: 'tiny',
    node: [
      makeNode('Relu', ['s'], ['y'], 'relu'),
      makeNode('Add', ['x', 'w'], ['s'], 'add'),
      { ...makeNode('Constant', [], ['w'], 'wconst'), attribute: [{ name: 'value', type: 4, t: floatTensorProto('w', [2], Float32Array.of(1.5, -2)) }] },
      makeNode('Neg', ['x'], ['dead'], 'dead'),
    ],
    initializer: [{ name: 'init', dims: [3], dataType: DataType.FLOAT, floatData: [1, 2, 3] }],
    input: [{ name: 'x' }],
    output: [{ name: 'y' }],
    valueInfo: [],
  };
}

describe('graph helpers', () => {
  it('maps producers and consumers', () => {
    const g = tinyGraph();
    expect(producerMap(g).get('s')?.name).toBe('add');
    expect(consumerMap(g).get('x')?.map((n) => n.name).sort()).toEqual(['add', 'dead']);
  });

  it('reads weights from Constant nodes (raw_data) and initializers (float_data)', () => {
    const g = tinyGraph();
    expect([...readWeight(g, 'w')!.data]).toEqual([1.5, -2]);
    expect(readWeight(g, 'init')).toEqual({ data: Float32Array.of(1, 2, 3), dims: [3] });
    expect(readWeight(g, 's')).toBeUndefined();
  });

  it('never reads an int64, int32 or bool constant as a float weight (shape arithmetic is not a weight)', () => {
    const g = tinyGraph();
    g.initializer.push(int64TensorProto('four', [], [4]), { name: 'mask', dims: [2], dataType: DataType.BOOL, rawData: Uint8Array.of(1, 0) });
    g.initializer.push({ name: 'idx', dims: [2], dataType: DataType.INT32, int32Data: [0, 1] });
    g.node.push(makeNode('Mul', ['hw', 'four'], ['chw'], 'shape_mul'));
    for (const name of ['four', 'mask', 'idx']) {
      expect(isConstant(g, name)).toBe(true);
      expect(readWeight(g, name)).toBeUndefined();
    }
    expect(readInts(g, 'four')).toEqual([4]);
    // The exact crash of ordinary PyTorch exports: an int64 Mul taken for an affine scale.
    expect(constantOperand(g, g.node.at(-1)!, producerMap(g))).toBeUndefined();
    // Where a float read is still forced, the error names the tensor and its type.
    expect(() => tensorToFloat32(g.initializer.find((t) => t.name === 'four')!)).toThrow(/"four" has data type INT64 \(7\)/);
  });

  it('reads Constant nodes written with value_float(s) / value_int(s) (opset 12+, dynamo)', () => {
    const g = tinyGraph();
    g.node.push(
      { ...makeNode('Constant', [], ['f'], 'cf'), attribute: [{ name: 'value_floats', type: AttrType.FLOATS, floats: [0.5, 2] }] },
      { ...makeNode('Constant', [], ['s'], 'cs'), attribute: [{ name: 'value_float', type: AttrType.FLOAT, f: 3 }] },
      { ...makeNode('Constant', [], ['i'], 'ci'), attribute: [attr.ints('value_ints', [1, -1])] },
    );
    expect(readWeight(g, 'f')).toEqual({ data: Float32Array.of(0.5, 2), dims: [2] });
    expect(readWeight(g, 's')).toEqual({ data: Float32Array.of(3), dims: [] });
    expect(readWeight(g, 'i')).toBeUndefined();
    expect(readInts(g, 'i')).toEqual([1, -1]);
    replaceWeight(g, 'f', { data: Float32Array.of(9), dims: [1] });
    expect(readWeight(g, 'f')).toEqual({ data: Float32Array.of(9), dims: [1] });
  });

  it('normalizes Sub and Div by a constant to Add and Mul, and leaves c − x and c / x alone', () => {
    const g = tinyGraph();
    g.initializer.push(floatTensorProto('c', [2], Float32Array.of(2, -4)));
    const p = () => producerMap(g);
    const sub = makeNode('Sub', ['x', 'c'], ['d'], 'sub');
    const div = makeNode('Div', ['x', 'c'], ['q'], 'div');
    expect(constantOperand(g, sub, p())).toEqual({ c: { data: Float32Array.of(-2, 4), dims: [2] }, x: 0, op: 'Add' });
    expect(constantOperand(g, div, p())).toEqual({ c: { data: Float32Array.of(0.5, -0.25), dims: [2] }, x: 0, op: 'Mul' });
    expect(constantOperand(g, makeNode('Sub', ['c', 'x'], ['e'], 'rsub'), p())).toBeUndefined();
    expect(constantOperand(g, makeNode('Div', ['c', 'x'], ['r'], 'rdiv'), p())).toBeUndefined();
    expect(constantOperand(g, makeNode('Mul', ['c', 'x'], ['m'], 'mul'), p())?.x).toBe(1);
  });

  it('replaces a Constant-node weight in place', () => {
    const g = tinyGraph();
    replaceWeight(g, 'w', { data: Float32Array.of(7, 8), dims: [2] });
    expect([...tensorToFloat32(findConstant(g, 'w')!)]).toEqual([7, 8]);
  });

  it('round-trips int64 values, saturating INT64_MAX instead of wrapping', () => {
    expect(tensorToInts(int64TensorProto('a', [3], [-1, 5, 2 ** 63]))).toEqual([-1, 5, Number(0x7fffffffffffffffn)]);
  });

  it('generates names that collide with nothing', () => {
    const names = new NameGenerator(tinyGraph());
    expect(names.next('add')).toBe('add_1');
    expect(names.next('add')).toBe('add_2');
    expect(names.next('fresh')).toBe('fresh');
  });

  it('sorts topologically and removes dead nodes', () => {
    const g = tinyGraph();
    const order = topologicalOrder(g).map((n) => n.name);
    expect(order.indexOf('wconst')).toBeLessThan(order.indexOf('add'));
    expect(order.indexOf('add')).toBeLessThan(order.indexOf('relu'));
    expect(removeDeadNodes(g)).toBe(1);
    expect(g.node.map((n) => n.name).sort()).toEqual(['add', 'relu', 'wconst']);
    expect(g.initializer).toHaveLength(0);
  });

  it('rejects cycles', () => {
    const g = tinyGraph();
    g.node.push(makeNode('Identity', ['y'], ['x2'], 'back'));
    g.node[1].input[0] = 'x2';
    expect(() => topologicalOrder(g)).toThrow(/cycle/);
  });
});
