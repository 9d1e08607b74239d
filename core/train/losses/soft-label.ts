import { z } from 'zod';
import { DistillLoss } from './loss';

const params = z.object({ temperature: z.number().positive().default(1), axis: z.number().int().default(-1) }).strict();

/**
 * KL(teacher ‖ student) of softmax(logits / T) along `axis`, times T² so gradients keep their scale
 * across temperatures; averaged over all other positions. The teacher's entropy is a constant and dropped.
 */
export const softLabelLoss: DistillLoss<z.infer<typeof params>> = {
  name: 'soft_label',
  paramsSchema: params as never,
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
