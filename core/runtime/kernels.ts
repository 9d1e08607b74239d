import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeModel } from '../onnx/model-io';
import { ModelSession } from './session';

/** Op types whose kernels compute in integers (what a quantized model should end up running). */
export const INTEGER_KERNELS = new Set([
  'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul',
  'QGemm', 'QLinearAdd', 'QLinearMul', 'QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearGlobalAveragePool',
  'QLinearAveragePool', 'QLinearConcat', 'QLinearSoftmax', 'QLinearConvTranspose', 'QLinearReduceMean', 'NhwcQLinearConv',
]);

/**
 * Op-type census of the graph onnxruntime actually runs after its optimizations (fusions such as
 * DQ → Conv → Q into QLinearConv): the model is loaded with `optimizedModelPath` and read back.
 */
export async function countKernels(model: string | Uint8Array, opts: { threads?: number; graphOptimization?: 'basic' | 'extended' | 'all' } = {}): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-kernels-'));
  const optimized = path.join(dir, 'optimized.onnx');
  try {
    const session = await ModelSession.create(model, { threads: opts.threads ?? 1, optimizedModelPath: optimized, graphOptimization: opts.graphOptimization ?? 'all' });
    await session.release();
    const graph = decodeModel(fs.readFileSync(optimized), optimized).graph;
    const counts: Record<string, number> = {};
    for (const n of graph.node) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    return counts;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How many nodes of a census run integer kernels. */
export const integerKernelCount = (census: Record<string, number>): number =>
  Object.entries(census).reduce((sum, [op, k]) => sum + (INTEGER_KERNELS.has(op) ? k : 0), 0);
