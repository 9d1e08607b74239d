import { z } from 'zod';
import { GraphBuilder } from '../builder';

/** A distillation loss: emits ONNX nodes comparing a student tensor with the teacher's, returning a scalar. */
export interface DistillLoss<P = unknown> {
  name: string;
  paramsSchema: z.ZodType<P>;
  /** `dims` is the static shape of both tensors. */
  emit(b: GraphBuilder, student: string, teacher: string, dims: number[], params: P): string;
}
