import { z } from 'zod';
import { SlimflowError } from '../errors';
import { analyzeModel } from '../onnx/analysis';
import { Model } from '../onnx/proto';
import { GraphBuilder } from './builder';
import { getDistillLoss } from './losses';

export const distillPairSchema = z.object({
  student: z.string(),
  /** Defaults to the same tensor name in the teacher (the student is a clone of it). */
  teacher: z.string().optional(),
  loss: z.string().default('l2'),
  alpha: z.number().positive().default(1),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type DistillPair = z.input<typeof distillPairSchema>;

/** ACT's automatic choice: the outputs of the last layers with weights, distilled with l2. */
export function autoDistillPairs(student: Model, count = 1, loss = 'l2'): DistillPair[] {
  const nodes = analyzeModel(student, count).distillationNodes;
  if (nodes.length === 0) throw new SlimflowError('INVALID_MODEL', 'no layer with weights to distill from', 'distillationNodes');
  return nodes.map((n) => ({ student: n, teacher: n, loss, alpha: 1 }));
}

/** Name of the graph input that carries the teacher's value of a pair. */
export const teacherInput = (pair: DistillPair): string => `teacher::${pair.teacher ?? pair.student}`;

/** Emit Σ αᵢ·lossᵢ(studentᵢ, teacherᵢ) and return the scalar's name. */
export function emitDistillLoss(b: GraphBuilder, pairs: DistillPair[], dims: (tensor: string) => number[]): string {
  const terms = pairs.map((raw) => {
    const p = distillPairSchema.parse(raw);
    const loss = getDistillLoss(p.loss);
    const parsed = loss.paramsSchema.safeParse(p.params ?? {});
    if (!parsed.success) throw new SlimflowError('INVALID_CONFIG', `bad parameters for loss ${p.loss}: ${parsed.error.message}`, `distill.${p.student}`);
    const l = loss.emit(b, p.student, teacherInput(raw), dims(p.student), parsed.data);
    return p.alpha === 1 ? l : b.op1('Mul', [l, b.scalar(p.alpha)]);
  });
  return terms.length === 1 ? terms[0] : b.op1('Sum', terms);
}
