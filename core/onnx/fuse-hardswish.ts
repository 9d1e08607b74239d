import { GraphProto, NodeProto } from './proto';
import { attr, attrFloat, getAttr, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes, soleReader } from './graph';

const scalarOf = (graph: GraphProto, name: string | undefined, producers: Map<string, NodeProto>): number | undefined => {
  if (!name) return undefined;
  const w = readWeight(graph, name, producers);
  return w && w.data.length === 1 ? w.data[0] : undefined;
};

/** Clip bounds whether given as attributes (opset < 11) or as constant inputs. */
function clipBounds(graph: GraphProto, n: NodeProto, producers: Map<string, NodeProto>): [number | undefined, number | undefined] {
  if (getAttr(n, 'min') || getAttr(n, 'max')) return [attrFloat(n, 'min', -Infinity), attrFloat(n, 'max', Infinity)];
  return [scalarOf(graph, n.input[1], producers), scalarOf(graph, n.input[2], producers)];
}

const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 1e-6;

/**
 * Replace paddle2onnx's decomposed HardSwish, x·Clip(x+3, 0, 6)/6 (four elementwise passes), with
 * x·HardSigmoid(x) (two passes), or with the HardSwish op itself from opset 14. Returns the count.
 */
export function fuseHardSwish(graph: GraphProto, opset: number): number {
  const producers = producerMap(graph);
  const names = new NameGenerator(graph);
  // The Add, Clip and Mul disappear, so none of their outputs may be read elsewhere or be a graph output.
  const only = soleReader(graph);
  const replaced = new Map<NodeProto, NodeProto[]>();
  for (const add of graph.node) {
    if (add.opType !== 'Add') continue;
    const xIdx = near(scalarOf(graph, add.input[1], producers), 3) ? 0 : near(scalarOf(graph, add.input[0], producers), 3) ? 1 : -1;
    if (xIdx < 0) continue;
    const x = add.input[xIdx];
    const clip = only(add.output[0]);
    if (clip?.opType !== 'Clip') continue;
    const [lo, hi] = clipBounds(graph, clip, producers);
    if (!near(lo, 0) || !near(hi, 6)) continue;
    const mul = only(clip.output[0]);
    if (mul?.opType !== 'Mul' || !mul.input.includes(x)) continue;
    const div = only(mul.output[0]);
    if (div?.opType !== 'Div' || div.input[0] !== mul.output[0] || !near(scalarOf(graph, div.input[1], producers), 6)) continue;
    const base = add.name || x;
    const y = div.output[0];
    if (opset >= 14) {
      replaced.set(div, [makeNode('HardSwish', [x], [y], names.next(`${base}.hardswish`))]);
    } else {
      const gate = names.next(`${base}.hardsigmoid_out`);
      replaced.set(div, [
        makeNode('HardSigmoid', [x], [gate], names.next(`${base}.hardsigmoid`), [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)]),
        makeNode('Mul', [x, gate], [y], names.next(`${base}.hardswish_mul`)),
      ]);
    }
    for (const dead of [add, clip, mul]) replaced.set(dead, []);
  }
  graph.node = graph.node.flatMap((n) => replaced.get(n) ?? [n]);
  removeDeadNodes(graph);
  return [...replaced.values()].filter((v) => v.length > 0).length;
}
