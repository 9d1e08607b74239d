import { z } from 'zod';
import { SlimflowError } from '../errors';
import { analyzeModel } from '../onnx/analysis';
import { attrInt, consumerMap, readWeight } from '../onnx/graph';
import { Model } from '../onnx/proto';
import { GraphBuilder } from './builder';
import { yoloHeadPairs } from './detector-head';
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

/** Ops that only move values around: a head's output may reach the graph output through them. */
const LAYOUT = new Set(['DepthToSpace', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/**
 * The output head behind a layer output: when it reaches a graph output only through a constant bias
 * Add, then a Softmax or Sigmoid, then layout-only ops. Softmax: its input (the logits) and axis.
 * Sigmoid: its output (per-element probabilities). Else undefined.
 */
export function headAfter(model: Model, tensor: string): { kind: 'softmax'; logits: string; axis: number } | { kind: 'sigmoid'; probs: string } | undefined {
  const g = model.graph;
  const readers = consumerMap(g);
  const outputs = new Set(g.output.map((o) => o.name));
  let t = tensor;
  const next = readers.get(t) ?? [];
  if (next.length === 1 && next[0].opType === 'Add' && next[0].input.some((i) => i !== t && readWeight(g, i))) t = next[0].output[0];
  const act = readers.get(t) ?? [];
  if (act.length !== 1 || (act[0].opType !== 'Softmax' && act[0].opType !== 'Sigmoid')) return undefined;
  let o = act[0].output[0];
  while (!outputs.has(o)) {
    const r = readers.get(o) ?? [];
    if (r.length !== 1 || !LAYOUT.has(r[0].opType)) return undefined;
    o = r[0].output[0];
  }
  return act[0].opType === 'Softmax' ? { kind: 'softmax', logits: t, axis: attrInt(act[0], 'axis', -1) } : { kind: 'sigmoid', probs: act[0].output[0] };
}

/**
 * ACT's automatic choice: the outputs of the last layers with weights, distilled with `loss`. With
 * soft_label, the last layer is distilled at what the model outputs: in front of an output Softmax,
 * KL at the logits (bias included) along its axis; behind an output Sigmoid, l2 between the
 * probabilities (the Brier score: a per-pixel map such as a text detector's has no class axis). The
 * other (feature-map) nodes, where a softmax over an arbitrary axis means nothing, keep l2. A YOLO
 * detector (family 'detector' with a Concat-assembled head) is distilled on its pre-decode head maps.
 */
export function autoDistillPairs(student: Model, count = 1, loss = 'l2'): DistillPair[] {
  const analysis = analyzeModel(student, count);
  // A YOLO detector is distilled on its head's maps before decoding: box logits by l2, class logits as probabilities.
  const yolo = analysis.family === 'detector' ? yoloHeadPairs(student) : undefined;
  if (yolo) return yolo;
  const nodes = analysis.distillationNodes;
  if (nodes.length === 0) throw new SlimflowError('INVALID_MODEL', 'no layer with weights to distill from', 'distillationNodes');
  const head = loss === 'soft_label' ? headAfter(student, nodes[nodes.length - 1]) : undefined;
  if (!head) return nodes.map((n) => ({ student: n, teacher: n, loss, alpha: 1 }));
  const features = nodes.slice(0, -1).map((n) => ({ student: n, teacher: n, loss: 'l2', alpha: 1 }));
  if (head.kind === 'sigmoid') return [...features, { student: head.probs, teacher: head.probs, loss: 'l2', alpha: 1 }];
  return [...features, { student: head.logits, teacher: head.logits, loss, alpha: 1, params: { axis: head.axis } }];
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
