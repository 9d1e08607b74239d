import { z } from 'zod';
import { lossParamsSchema } from './catalog';
import { DistillLoss } from './loss';

/** Its parameters are declared in ./catalog.ts. */
type Params = { temperature: number; axis: number };

/**
 * KL(teacher ‖ student) of softmax(logits / T) along `axis`, times T² so gradients keep their scale
 * across temperatures; averaged over all other positions. The teacher's entropy is a constant and dropped.
 */
export const softLabelLoss: DistillLoss<Params> = {
  name: 'soft_label',
  paramsSchema: lossParamsSchema('soft_label') as unknown as z.ZodType<Params>,
  emit(b, student, teacher, dims, p) {
    const invT = b.scalar(1 / p.temperature);
    const logQ = b.op1('LogSoftmax', [b.op1('Mul', [student, invT])], { axis: p.axis });
    const pT = b.op1('Softmax', [b.op1('Mul', [teacher, invT])], { axis: p.axis });
    const axis = p.axis < 0 ? p.axis + dims.length : p.axis;
    const rows = dims.reduce((a, d, i) => (i === axis ? a : a * d), 1);
    const cross = b.op1('ReduceSum', [b.op1('Mul', [pT, logQ])], { keepdims: 0 });
    return b.op1('Mul', [cross, b.scalar(-(p.temperature * p.temperature) / rows)]);
  },
};
