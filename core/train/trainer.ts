import { SlimflowError } from '../errors';
import { encodeModel } from '../onnx/model-io';
import { cloneModel } from '../onnx/clone';
import { producerMap, replaceWeight } from '../onnx/graph';
import { Model } from '../onnx/proto';
import { withExtraOutputs } from '../quant/collect';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';
import { buildTrainingGraph, TrainingGraph } from './autodiff';
import { autoDistillPairs, DistillPair, emitDistillLoss, teacherInput } from './distill';
import { clipGlobalNorm } from './clip';
import { Optimizer, OptimizerState } from './optim';
import { trainableParams } from './params';

/** Something that changes what the graph sees of the weights and what the optimizer sees of the gradients (masks, fake quantization). */
export interface WeightTransform {
  /** The effective weight fed to the graph (a new array; the master copy stays float). */
  forward?(name: string, w: Float32Array): Float32Array;
  /** Gradient adjustments before the update (masking). */
  grad?(name: string, g: Float32Array): void;
  /** After the update (re-applying masks to the master weights). */
  after?(name: string, w: Float32Array): void;
}

export interface TrainerOptions {
  student: Model;
  teacher: Model;
  /** One batch at the training shape: fixes the static shapes of the training graph. */
  sample: Record<string, Tensor>;
  pairs?: DistillPair[];
  params?: string[];
  threads?: number;
  optimizer: Optimizer;
  clipNorm?: number;
  /** Extra graph inputs the student needs every step (activation quantization scales), by name. */
  extraFeeds?: () => Record<string, Tensor>;
  /** Forward tensors returned by every step, handed to `onOutputs` (activation range tracking). */
  keepOutputs?: string[];
}

export interface StepResult { loss: number; gradNorm: number }

/** Distillation training of an ONNX student against a frozen teacher, one onnxruntime run per step. */
export class Trainer {
  readonly transforms: WeightTransform[] = [];
  /** Receives the `keepOutputs` tensors of every training step. */
  onOutputs?: (outputs: Record<string, Tensor>) => void;
  private constructor(
    readonly graph: TrainingGraph,
    private readonly session: ModelSession,
    private readonly teacher: ModelSession,
    readonly pairs: DistillPair[],
    readonly params: Record<string, Float32Array>,
    readonly optimizer: Optimizer,
    public state: OptimizerState,
    private readonly student: Model,
    private readonly opts: TrainerOptions,
  ) {}

  /** Build the training graph and the teacher session. */
  static async create(opts: TrainerOptions): Promise<Trainer> {
    const pairs = opts.pairs ?? autoDistillPairs(opts.student);
    const names = opts.params ?? trainableParams(opts.student);
    if (names.length === 0) throw new SlimflowError('INVALID_MODEL', 'student has no trainable weights', 'params');
    const teacherNames = pairs.map((p) => p.teacher ?? p.student);
    const teacherModel = withExtraOutputs(opts.teacher, teacherNames);
    const teacher = await ModelSession.create(encodeModel(teacherModel), { threads: opts.threads ?? 1 }, 'teacher');
    const tOut = await teacher.run(opts.sample, teacherNames);
    for (const name of teacherNames) {
      if (tOut[name].dtype !== 'float32') {
        await teacher.release();
        throw new SlimflowError('INVALID_CONFIG', `distillation tensor "${name}" is ${tOut[name].dtype}; only float32 tensors can be distilled`, 'Distillation.node');
      }
    }
    const teacherFeeds = Object.fromEntries(pairs.map((p) => [teacherInput(p), tOut[p.teacher ?? p.student]]));
    const graph = await buildTrainingGraph({
      model: opts.student,
      params: names,
      extraInputs: pairs.map((p) => ({ name: teacherInput(p), dims: tOut[p.teacher ?? p.student].dims })),
      loss: (b) => emitDistillLoss(b, pairs, (t) => tOut[pairs.find((p) => p.student === t)!.teacher ?? t].dims),
      sampleFeeds: { ...opts.sample, ...teacherFeeds, ...(opts.extraFeeds?.() ?? {}) },
      keepOutputs: opts.keepOutputs,
    });
    const session = await ModelSession.create(encodeModel(graph.model), { threads: opts.threads ?? 1 }, 'training graph');
    const params = Object.fromEntries(names.map((n) => [n, Float32Array.from(graph.initial[n].data)]));
    return new Trainer(graph, session, teacher, pairs, params, opts.optimizer, opts.optimizer.init(params), opts.student, opts);
  }

  /** Teacher outputs for a batch, computed once per batch by onnxruntime. */
  async teacherFeeds(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const names = this.pairs.map((p) => p.teacher ?? p.student);
    const out = await this.teacher.run(inputs, names);
    return Object.fromEntries(this.pairs.map((p) => [teacherInput(p), out[p.teacher ?? p.student]]));
  }

  private weightFeeds(): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const [name, w] of Object.entries(this.params)) {
      let eff = w;
      for (const t of this.transforms) if (t.forward) eff = t.forward(name, eff);
      feeds[name] = { dtype: 'float32', dims: this.graph.initial[name].dims, data: eff };
    }
    return feeds;
  }

  /** Loss and gradients at the current weights, without updating; `observe: false` keeps the step's outputs from `onOutputs` (an evaluation, not a step). */
  async lossAndGrads(inputs: Record<string, Tensor>, observe = true): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
    const feeds = { ...inputs, ...(await this.teacherFeeds(inputs)), ...this.weightFeeds(), ...(this.opts.extraFeeds?.() ?? {}) };
    const names = Object.keys(this.params);
    const kept = this.opts.keepOutputs ?? [];
    const out = await this.session.run(feeds, [this.graph.loss, ...names.map((n) => this.graph.grads[n]), ...kept]);
    if (observe && kept.length && this.onOutputs) this.onOutputs(Object.fromEntries(kept.map((k) => [k, out[k]])));
    const grads = Object.fromEntries(names.map((n) => [n, out[this.graph.grads[n]].data as Float32Array]));
    return { loss: (out[this.graph.loss].data as Float32Array)[0], grads };
  }

  /** One step: forward + backward in one run, then the optimizer update at learning rate `lr`. */
  async step(inputs: Record<string, Tensor>, lr: number): Promise<StepResult> {
    const { loss, grads } = await this.lossAndGrads(inputs);
    if (!Number.isFinite(loss)) throw new SlimflowError('RUNTIME', `training diverged: loss is ${loss}`, 'loss');
    for (const t of this.transforms) if (t.grad) for (const [k, g] of Object.entries(grads)) t.grad(k, g);
    const gradNorm = clipGlobalNorm(grads, this.opts.clipNorm ?? 0);
    this.optimizer.update(this.params, grads, this.state, lr);
    for (const t of this.transforms) if (t.after) for (const [k, w] of Object.entries(this.params)) t.after(k, w);
    return { loss, gradNorm };
  }

  /** Write the current weights into a copy of `model` (which must hold constants of the same names); `effective` applies the transforms (masks) first. */
  writeWeights(model: Model, effective: boolean): Model {
    const out = cloneModel(model);
    const producers = producerMap(out.graph);
    const feeds = effective ? this.weightFeeds() : undefined;
    for (const [name, w] of Object.entries(this.params)) {
      const data = feeds ? (feeds[name].data as Float32Array) : w;
      replaceWeight(out.graph, name, { data: Float32Array.from(data), dims: this.graph.initial[name].dims }, producers);
    }
    return out;
  }

  /** The student as an inference model with the current (effective) weights written back. */
  exportModel(): Model {
    const out = cloneModel(this.student);
    const producers = producerMap(out.graph);
    const feeds = this.weightFeeds();
    for (const [name, t] of Object.entries(feeds)) replaceWeight(out.graph, name, { data: Float32Array.from(t.data as Float32Array), dims: t.dims }, producers);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.teacher.release();
  }
}
