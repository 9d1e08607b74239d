import { lossParamsSchema } from './catalog';
import { DistillLoss } from './loss';

/**
 * Mean squared difference of sigmoid(student) and sigmoid(teacher): logits compared as the
 * probabilities a detector's class head decodes them to, so the far-negative logits of absent
 * classes (most of a YOLO class map) weigh little and the scores near the threshold weigh most.
 */
export const sigmoidL2Loss: DistillLoss<Record<string, never>> = {
  name: 'sigmoid_l2',
  paramsSchema: lossParamsSchema('sigmoid_l2') as never,
  emit(b, student, teacher) {
    const d = b.op1('Sub', [b.op1('Sigmoid', [student]), b.op1('Sigmoid', [teacher])]);
    return b.op1('ReduceMean', [b.op1('Mul', [d, d])], { keepdims: 0 });
  },
};
