import { encodeModel } from '../core/onnx/model-io';
import { Model } from '../core/onnx/proto';
import { ModelSession } from '../core/runtime/session';
import { Tensor } from '../core/tensor';

/** One output of a model over batches held in memory, at 1 thread (the benches compare models on the same batches). */
export async function outputsOf(model: Model, batches: Record<string, Tensor>[], output: string): Promise<Tensor[]> {
  const s = await ModelSession.create(encodeModel(model), { threads: 1 });
  try {
    const out: Tensor[] = [];
    for (const b of batches) out.push((await s.run(b, [output]))[output]);
    return out;
  } finally {
    await s.release();
  }
}
