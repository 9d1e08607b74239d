import { z } from 'zod';
import { datasetSpecSchema } from '../data/spec';
import { taskNames, taskParamsSchema } from '../metrics/task-meters/registry';
import { hpoKeys, quantPostKeys } from '../components/ptq-params';
import { SEARCH_STRATEGY_NAMES } from '../search/search-strategies';
import { removedTrainingKeys, sectionKeys } from '../components/train-sections';
import { DEFAULT_QUANT_OP_TYPES } from './quant-defaults';

/*
 * The job config, in the sections of PaddleSlim ACT (snake_case keys as ACT spells them).
 * Sections that later work implements are accepted here so that a config can be written
 * ahead; compiling a job that asks for one fails with "not supported yet" (see compile.ts).
 */

const dataset = datasetSpecSchema;

const deploy = z.strictObject({
  /** The one backend slimflow runs and times with; another value is refused. */
  backend: z.literal('onnxruntime-cpu', { error: 'only onnxruntime-cpu is supported' }).default('onnxruntime-cpu'),
  threads: z.number().int().min(1).max(256).default(1),
  /** Wanted speedup over FP32 (e.g. 2 for "2x faster"); 0 = as fast as the strategy gives. */
  target_speedup: z.number().min(0).default(0),
  /** Largest accuracy loss accepted, in points (0-100). */
  max_accuracy_drop: z.number().min(0).max(100).default(1),
  /** A latency table of the deploy machine (`slimflow profile`): strategies are then estimated and dropped when too slow. */
  latency_table: z.string().min(1).optional(),
});

/** One graph input's batch shape, batch first (e.g. [8, 128]): the shape timed and evaluated. */
const feedInput = z.strictObject({ shape: z.array(z.number().int().positive()).min(1) });

/**
 * One optional parameter block per registered task, `Global.<task>` (e.g. `detection: { format: yolov8,
 * score_threshold: 0.25, iou_threshold: 0.45 }`), each the task's own parameter schema.
 */
const taskParams = Object.fromEntries(taskNames()
  .filter((t) => Object.keys((taskParamsSchema(t) as { shape?: object }).shape ?? {}).length > 0)
  .map((t) => [t, taskParamsSchema(t).optional()]));

const task = z.string().min(1).refine((t) => taskNames().includes(t), { error: (i) => `unknown task "${String(i.input)}"; known tasks: ${taskNames().join(', ')}` });

const global = z.strictObject({
  model: z.string().min(1),
  /** One entry per graph input: its batch shape. Inputs with fixed dims in the graph may be left out. */
  inputs: z.record(z.string().min(1), feedInput).optional(),
  /** The graph output the task metric reads; absent: the first graph output. */
  output: z.string().min(1).optional(),
  /** Shorthand for a one-input model: the input's name (absent: the graph's single input). */
  input_name: z.string().min(1).optional(),
  /** Shorthand for a one-input model: its batch shape, e.g. [8, 3, 48, 192]. */
  input_shape: z.array(z.number().int().positive()).min(1).optional(),
  /** Decides the metric (a name in core/metrics/tasks.ts's registry). */
  task: task.default('classification'),
  /** The task's parameters, under its name (only the block of Global.task may be given). */
  ...taskParams,
  calibration_data: dataset,
  eval_data: dataset.optional(),
  deploy: deploy.prefault({}),
  seed: z.number().int().min(0).default(0),
  output_dir: z.string().default('.slimflow/out'),
}).superRefine((g, ctx) => {
  // One normalized feed description: either the per-input map or the one-input shorthand.
  if (g.inputs && (g.input_name !== undefined || g.input_shape !== undefined)) {
    const key = g.input_shape !== undefined ? 'input_shape' : 'input_name';
    ctx.addIssue({ code: 'custom', path: [key], message: `give either Global.inputs or the one-input shorthand Global.input_name/input_shape, not both` });
  }
  if (g.input_name !== undefined && g.input_shape === undefined) {
    ctx.addIssue({ code: 'custom', path: ['input_shape'], message: `Global.input_name needs Global.input_shape (the input's batch shape)` });
  }
  if (g.inputs && Object.keys(g.inputs).length === 0) ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'Global.inputs names no input' });
  for (const t of Object.keys(taskParams)) {
    if (t !== g.task && (g as Record<string, unknown>)[t] !== undefined) ctx.addIssue({ code: 'custom', path: [t], message: `Global.${t} configures task "${t}", but Global.task is "${g.task}"` });
  }
});

export type GlobalConfig = z.output<typeof global>;

/**
 * QuantPost: the keys of the trial parameters (algo, weight_quantize_type, bias_correct, batch_num,
 * hist_percent, round_type, qdq_placement, quantize_act_matmul, quantize_embeddings) come from their
 * declarations (core/components/ptq-params.ts); the rest are the job's own.
 */
const quantPost = z.strictObject({
  ...quantPostKeys(),
  /** Calibration batch size; absent: the feed's batch (Global.input_shape / inputs), as when QuantPost is absent. */
  batch_size: z.number().int().positive().optional(),
  activation_bits: z.literal(8, { error: 'only 8 is supported (INT8 activations)' }).default(8),
  weight_bits: z.literal(8, { error: 'only 8 is supported (INT8 weights; QuantAware.weight_bits trains fewer)' }).default(8),
  quantize_op_types: z.array(z.enum(DEFAULT_QUANT_OP_TYPES)).default([...DEFAULT_QUANT_OP_TYPES]),
  skip_tensor_list: z.array(z.string()).default([]),
  /** ACT's switch for QDQ ONNX output: slimflow always writes it, so only true is accepted. */
  onnx_format: z.literal(true, { error: 'only true is supported (slimflow always writes a QDQ ONNX model); remove the key or set it to true' }).default(true),
  /**
   * ACT's deploy_backend: the preset the QDQ model is made for. 'onnxruntime' (x86 CPU: u8 activations,
   * s8 per-channel weights); 'tensorrt' (symmetric s8 everywhere, Q/DQ at quantized layers only; scored
   * by simulating its int8 arithmetic, timed with onnxruntime). See core/quant/ptq.ts DeployBackend.
   */
  deploy_backend: z.enum(['onnxruntime', 'tensorrt']).default('onnxruntime'),
});

/**
 * HyperParameterOptimization: a list of values to try per trial parameter (ptq_algo, hist_percent,
 * keep_float…, from core/components/ptq-params.ts; absent: the base trial's), the budget, the strategy
 * that walks the space (core/search/search-strategies.ts) and the label-free objective.
 */
const hpo = z.strictObject({
  ...hpoKeys(),
  max_quant_count: z.number().int().positive().default(20),
  strategy: z.enum(SEARCH_STRATEGY_NAMES).default('surrogate'),
  /** Without labels, what a trial is scored by against the teacher: top-1 agreement, cosine, or ACT's EMD of standardized outputs. */
  objective: z.enum(['agreement', 'cosine', 'emd']).default('agreement'),
});

/**
 * The training sections: every key (schema, default, the compiled training config field it sets) is
 * declared in core/components/train-sections.ts.
 */
const distillation = z.strictObject(sectionKeys('Distillation'));
const quantAware = z.strictObject(sectionKeys('QuantAware'));
const unstructurePrune = z.strictObject(sectionKeys('UnstructurePrune'));
const channelPrune = z.strictObject(sectionKeys('ChannelPrune'));
const aspPrune = z.strictObject(sectionKeys('ASPPrune'));
const trainConfig = z.strictObject(sectionKeys('TrainConfig'));

/** The whole job config. */
export const jobConfigSchema = z.strictObject({
  Global: global,
  Distillation: distillation.optional(),
  QuantPost: quantPost.optional(),
  HyperParameterOptimization: hpo.optional(),
  QuantAware: quantAware.optional(),
  UnstructurePrune: unstructurePrune.optional(),
  ChannelPrune: channelPrune.optional(),
  ASPPrune: aspPrune.optional(),
  TrainConfig: trainConfig.optional(),
});

export type JobConfig = z.output<typeof jobConfigSchema>;
export type QuantPostConfig = z.output<typeof quantPost>;

/**
 * Keys of ACT's sections that slimflow does not build, each with what to do instead: a config that
 * uses one fails naming it (load.ts), never read and ignored.
 */
export const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  'QuantPost.is_full_quantize': 'list the op types to quantize in QuantPost.quantize_op_types',
  // The training sections' own (core/components/train-sections.ts).
  ...removedTrainingKeys(),
};
