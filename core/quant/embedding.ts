// Embedding tables (the float data of a Gather, e.g. a transformer's word and position embeddings)
// stored as int8 with one scale per row: a quarter of the bytes, and MiniLM's word table is most of
// its file. The Gather reads the int8 table and only the rows it picked are scaled back to float
// (Gather(int8) → Cast → Mul by the same rows' scales), so no step dequantizes the whole table at
// run time; onnxruntime keeps DequantizeLinear of an initializer unfolded in a QDQ graph, which a
// DQ → Gather placement would pay for on every run.
import { attr, attrInt, consumerMap, findConstant, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes, topologicalOrder } from '../onnx/graph';
import { DataType, GraphProto, Model, NodeProto } from '../onnx/proto';
import { floatTensorProto, int8TensorProto } from '../onnx/tensor-data';
import { quantizeWeightInt8 } from './weights';

export interface EmbeddingQuantReport {
  /** Tables stored as int8, with their shape. */
  quantized: { table: string; dims: number[] }[];
  /** Float Gather tables left float, with the reason. */
  skipped: { table: string; reason: string }[];
  /** Bytes of float table data before, and of int8 data plus scales after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** Why a Gather's float table cannot be stored as int8 rows, or undefined when it can. */
function unsupportedReason(g: GraphProto, table: string, readers: NodeProto[], dims: number[]): string | undefined {
  if (dims.length !== 2) return `table has rank ${dims.length}, expected 2`;
  if (readers.some((r) => r.opType !== 'Gather' || r.input[0] !== table || attrInt(r, 'axis', 0) !== 0)) return 'the table is also read by other ops than a row Gather';
  if (g.output.some((o) => o.name === table)) return 'the table is a graph output';
  return undefined;
}

/**
 * Store every float rank-2 table that only row Gathers read as int8 with per-row scales, in place.
 * The gathered rows come out as float as before; the graph stays valid for any opset ≥ 9 (Cast, Mul, Gather).
 */
export function quantizeEmbeddings(model: Model): EmbeddingQuantReport {
  const g = model.graph;
  const producers = producerMap(g);
  const consumers = consumerMap(g);
  const names = new NameGenerator(g);
  const report: EmbeddingQuantReport = { quantized: [], skipped: [], bytesBefore: 0, bytesAfter: 0 };
  const tables = [...new Set(g.node.filter((n) => n.opType === 'Gather').map((n) => n.input[0]))];
  const added: NodeProto[] = [];
  for (const table of tables) {
    const t = findConstant(g, table, producers);
    if (!t || t.dataType !== DataType.FLOAT) continue;
    const w = readWeight(g, table, producers)!;
    const readers = consumers.get(table) ?? [];
    const reason = unsupportedReason(g, table, readers, w.dims);
    if (reason) { report.skipped.push({ table, reason }); continue; }
    const [rows] = w.dims;
    const qw = quantizeWeightInt8(w, 0, 127);
    const qName = names.next(`${table}.int8`);
    const sName = names.next(`${table}.row_scale`);
    g.initializer.push(int8TensorProto(qName, w.dims, qw.q), floatTensorProto(sName, [rows, 1], qw.scales));
    for (const gather of readers) {
      const out = gather.output[0];
      const label = gather.name || out;
      const rowsQ = names.next(`${out}.int8`);
      const rowsF = names.next(`${out}.int8_float`);
      const scales = names.next(`${out}.row_scale`);
      gather.input[0] = qName;
      gather.output[0] = rowsQ;
      added.push(
        makeNode('Gather', [sName, gather.input[1]], [scales], names.next(`${label}.row_scale_Gather`)),
        makeNode('Cast', [rowsQ], [rowsF], names.next(`${label}.Cast`), [attr.int('to', DataType.FLOAT)]),
        makeNode('Mul', [rowsF, scales], [out], names.next(`${label}.dequantize_Mul`)),
      );
    }
    report.quantized.push({ table, dims: w.dims });
    report.bytesBefore += 4 * w.data.length;
    report.bytesAfter += w.data.length + 4 * rows;
  }
  if (added.length === 0) return report;
  g.node.push(...added);
  removeDeadNodes(g);
  g.node = topologicalOrder(g);
  return report;
}
