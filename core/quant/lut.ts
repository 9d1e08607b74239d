import { attrFloat, consumerMap } from '../onnx/graph';
import { GraphProto, NodeProto } from '../onnx/proto';
import { QuantParams } from './ranges';

/**
 * A float elementwise island between two uint8 quantizers (e.g. HardSwish as x·HardSigmoid(x)).
 * Its input has only 256 possible values, so the whole island is exactly a 256-entry table:
 * Q → Cast → Gather(table) replaces DQ → float ops → Q, and no float kernel runs in between.
 */
export interface LutIsland {
  input: string;
  output: string;
  nodes: NodeProto[];
  fn: (x: number) => number;
}

/** x·HardSigmoid(x) with both readers of x inside the island (paddle2onnx HardSwish after fuse-hardswish). */
export function findHardSwishIsland(graph: GraphProto, x: string, consumers = consumerMap(graph)): LutIsland | undefined {
  const readers = consumers.get(x) ?? [];
  if (readers.length !== 2) return undefined;
  const hs = readers.find((n) => n.opType === 'HardSigmoid');
  const mul = readers.find((n) => n.opType === 'Mul');
  if (!hs || !mul || hs.input[0] !== x) return undefined;
  if ((consumers.get(hs.output[0]) ?? []).length !== 1 || !mul.input.includes(hs.output[0]) || !mul.input.includes(x)) return undefined;
  const alpha = attrFloat(hs, 'alpha', 0.2);
  const beta = attrFloat(hs, 'beta', 0.5);
  return { input: x, output: mul.output[0], nodes: [hs, mul], fn: (v) => v * Math.max(0, Math.min(1, alpha * v + beta)) };
}

/** The uint8 → uint8 table of an island, from the quantizers on either side. */
export function buildTable(fn: (x: number) => number, inp: QuantParams, out: QuantParams): Uint8Array {
  const table = new Uint8Array(256);
  for (let q = 0; q < 256; q++) {
    const y = fn((q - inp.zeroPoint) * inp.scale);
    table[q] = Math.max(0, Math.min(255, Math.round(y / out.scale) + out.zeroPoint));
  }
  return table;
}
