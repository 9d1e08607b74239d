import { z } from 'zod';
import { SlimflowError } from '../errors';
import { analyzeModel } from '../onnx/analysis';
import { attrInt, consumerMap, readWeight } from '../onnx/graph';
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

/**
 * The logits behind a layer output: when the layer's output reaches a graph output only through a
 * constant bias Add and a Softmax, the Softmax's input and axis; else undefined.
 */
export function logitsAfter(model: Model, tensor: string): { logits: string; axis: number } | undefined {
  const g = model.graph;
  const readers = consumerMap(g);
  const outputs = new Set(g.output.map((o) => o.name));
  let t = tensor;
  const next = readers.get(t) ?? [];
  if (next.length === 1 && next[0].opType === 'Add' && next[0].input.some((i) => i !== t && readWeight(g, i))) t = next[0].output[0];
  const soft = readers.get(t) ?? [];
  if (soft.length !== 1 || soft[0].opType !== 'Softmax' || !outputs.has(soft[0].output[0])) return undefined;
  return { logits: t, axis: attrInt(soft[0], 'axis', -1) };
}

/**
 * ACT's automatic choice: the outputs of the last layers with weights, distilled with `loss`. With
 * soft_label, a last layer that feeds the output Softmax is distilled at the logits (bias included),
 * along the Softmax's axis: KL between the two distributions the model actually outputs; the other
 * (feature-map) nodes, where a softmax over an arbitrary axis means nothing, keep l2.
 */
export function autoDistillPairs(student: Model, count = 1, loss = 'l2'): DistillPair[] {
  const nodes = analyzeModel(student, count).distillationNodes;
  if (nodes.length === 0) throw new SlimflowError('INVALID_MODEL', 'no layer with weights to distill from', 'distillationNodes');
  const head = loss === 'soft_label' ? logitsAfter(student, nodes[nodes.length - 1]) : undefined;
  if (!head) return nodes.map((n) => ({ student: n, teacher: n, loss, alpha: 1 }));
  return [
    ...nodes.slice(0, -1).map((n) => ({ student: n, teacher: n, loss: 'l2', alpha: 1 })),
    { student: head.logits, teacher: head.logits, loss, alpha: 1, params: { axis: head.axis } },
  ];
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
