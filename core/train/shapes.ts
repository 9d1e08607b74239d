import { cloneModel } from '../onnx/clone';
import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { tensorDims } from '../onnx/tensor-data';
import { constantTensors } from '../onnx/analysis';
import { ModelSession } from '../runtime/session';
import { DType, Tensor } from '../tensor';

/** Static dims and dtype of every tensor of a graph for one concrete batch. */
export interface ShapeTable { dims: Map<string, number[]>; dtype: Map<string, DType> }

/**
 * Run the graph once with every node output fetched, recording shapes. Training runs at a fixed batch
 * shape, so gradient rules can use plain numbers instead of emitting Shape arithmetic.
 */
export async function probeShapes(model: Model, feeds: Record<string, Tensor>): Promise<ShapeTable> {
  const tap = cloneModel(model);
  const have = new Set(tap.graph.output.map((o) => o.name));
  const inputs = new Set(tap.graph.input.map((i) => i.name));
  for (const n of tap.graph.node) {
    if (n.opType === 'Constant') continue;
    for (const o of n.output) if (o && !have.has(o) && !inputs.has(o)) { tap.graph.output.push({ name: o }); have.add(o); }
  }
  const table: ShapeTable = { dims: new Map(), dtype: new Map() };
  for (const [name, t] of constantTensors(model)) { table.dims.set(name, tensorDims(t)); table.dtype.set(name, t.dataType === 7 ? 'int64' : 'float32'); }
  for (const [name, t] of Object.entries(feeds)) { table.dims.set(name, t.dims); table.dtype.set(name, t.dtype); }
  // No graph optimization: fused kernels would still return requested outputs, but this keeps the probe plain.
  const session = await ModelSession.create(encodeModel(tap), { threads: 1, graphOptimization: 'disabled' }, 'shape probe');
  try {
    const out = await session.run(feeds);
    for (const [name, t] of Object.entries(out)) { table.dims.set(name, t.dims); table.dtype.set(name, t.dtype); }
  } finally {
    await session.release();
  }
  return table;
}
