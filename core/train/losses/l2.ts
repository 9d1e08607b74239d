import { lossParamsSchema } from './catalog';
import { DistillLoss } from './loss';

/** Mean squared difference between student and teacher feature maps (ACT's `l2`). */
export const l2Loss: DistillLoss<Record<string, never>> = {
  name: 'l2',
  paramsSchema: lossParamsSchema('l2') as never,
  emit(b, student, teacher) {
    const d = b.op1('Sub', [student, teacher]);
    return b.op1('ReduceMean', [b.op1('Mul', [d, d])], { keepdims: 0 });
  },
};
