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

export interface KernelOptions { threads?: number; graphOptimization?: 'basic' | 'extended' | 'all' }

/** Op-type census of the graph onnxruntime actually runs (see optimizedNodes). */
export async function countKernels(model: string | Uint8Array, opts: KernelOptions = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const n of await optimizedNodes(model, opts)) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
  return counts;
}

/**
 * The nodes onnxruntime actually runs after its optimizations (fusions such as DQ → Conv → Q into
 * QLinearConv keep the conv's name as a prefix): the model is loaded with `optimizedModelPath` and read back.
 */
export async function optimizedNodes(model: string | Uint8Array, opts: KernelOptions = {}): Promise<{ opType: string; name: string; input: string[]; output: string[] }[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-kernels-'));
  const optimized = path.join(dir, 'optimized.onnx');
  try {
    const session = await ModelSession.create(model, { threads: opts.threads ?? 1, optimizedModelPath: optimized, graphOptimization: opts.graphOptimization ?? 'all' });
    await session.release();
    const graph = decodeModel(fs.readFileSync(optimized), optimized).graph;
    return graph.node.map((n) => ({ opType: n.opType, name: n.name ?? '', input: n.input, output: n.output }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How many nodes of a census run integer kernels. */
export const integerKernelCount = (census: Record<string, number>): number =>
  Object.entries(census).reduce((sum, [op, k]) => sum + (INTEGER_KERNELS.has(op) ? k : 0), 0);
