import { describe, expect, it } from 'vitest';
import { consumerMap, findConstant, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes, replaceWeight, topologicalOrder } from '../../../core/onnx/graph';
import { DataType, GraphProto } from '../../../core/onnx/proto';
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
