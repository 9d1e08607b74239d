import type { ParamValue } from '../components/param';
import type { PipelineDocument } from '../pipeline/schema';
import { SlimflowError } from '../errors';
import { applyQuantPost, trialParam } from '../components/ptq-params';
import { configBatchSize, inputPortOf } from './feed-request';
import { autoPlacements, type Placement } from './placements';
import { DEFAULT_QUANT_OP_TYPES } from './quant-defaults';
import type { JobConfig } from './schema';
import type { RoundType } from '../quant/rounding-catalog';
import { compileTraining, strategySections, trainingRefusal } from '../components/train-sections';

/**
 * One PTQ trial's settings as ptqTrial receives them. The fields of the declared trial parameters
 * (core/components/ptq-params.ts: calibrator, perChannel, biasCorrect, batchNum, histPercent,
 * symmetric, placement, roundType, actMatMul, embeddings) are set from their declarations.
 */
export interface PtqTrialConfig {
  calibrator: string;
  perChannel: boolean;
  biasCorrect: boolean;
  batchSize: number;
  batchNum: number;
  opTypes: string[];
  skipNodes: string[];
  histPercent?: number;
  /** Symmetric activation ranges (the calibrator's `symmetric` parameter); absent: the calibrator's default. */
  symmetric?: boolean;
  /**
   * Where Q/DQ go: 'integer-path' keeps activations integer between layers (elementwise ops too);
   * 'conv-only' quantizes Conv/MatMul layers alone; 'integer-wide' also keeps Split/Slice/MaxPool
   * integer (split blocks' Add/Concat join the path) with the output tail float. Which is faster
   * depends on the model and CPU, so the automatic mode measures them (core/config/placements.ts).
   */
  placement?: Placement;
  /** How weights round (ACT's round_type): absent or 'round' is nearest; 'adaround' learns it per layer. */
  roundType?: RoundType;
  /** Parameters of the learned rounding (core/quant/adaround's schema); absent: its defaults. */
  roundParams?: Record<string, unknown>;
  /** Deploy-target preset (QuantPost.deploy_backend); absent: 'onnxruntime'. 'tensorrt' has no placement variants. */
  backend?: 'onnxruntime' | 'tensorrt';
  /**
   * 'dynamic': int8 weights with activations quantized at run time (core/quant/dynamic.ts), no
   * calibration; the calibration settings above are then unused. Absent: static (calibrated) Q/DQ.
   */
  scheme?: 'dynamic';
  /** Quantize MatMuls of two activations (QKᵀ, AV) too (QuantPost.quantize_act_matmul); absent: they stay float. */
  actMatMul?: boolean;
  /** Gather tables (embeddings) as int8 with per-row scales (QuantPost.quantize_embeddings); absent: float. */
  embeddings?: boolean;
}

const unsupported = (what: string, key: string) => new SlimflowError('NOT_SUPPORTED', `${what} is not supported yet`, key);

/** Refuse configs that ask for training options not built yet, naming the key (the refusals are the training sections' declarations). */
export function assertSupported(config: JobConfig): void {
  const refused = trainingRefusal(config);
  if (refused) throw unsupported(refused.what, refused.key);
}

/**
 * The trainStrategy configs a job's training sections ask for (each validated by the activity), in the
 * order they run: empty without training, two for channel pruning then QAT (the pruned student is
 * quantized; both distil from the original model). The sections' keys compile as declared
 * (core/components/train-sections.ts); the job's seed, threads and batch are its own.
 */
export function trainingConfigs(config: JobConfig): Record<string, unknown>[] {
  const strategies = strategySections(config);
  if (strategies.length === 0 && !config.TrainConfig) return [];
  const base = { seed: config.Global.seed ?? 0, threads: config.Global.deploy.threads, batchSize: configBatchSize(config.Global) };
  return (strategies.length ? strategies : [undefined]).map((s) => compileTraining(config, config.Global, s, base));
}

/**
 * The trial QuantPost alone describes: what every searched trial starts from. The declared trial
 * parameters (core/components/ptq-params.ts) set their fields; the rest are the job's own.
 */
export function baseTrial(config: JobConfig): PtqTrialConfig {
  const qp = config.QuantPost;
  const t = {
    batchSize: qp?.batch_size ?? configBatchSize(config.Global),
    opTypes: qp?.quantize_op_types ?? [...DEFAULT_QUANT_OP_TYPES],
    skipNodes: qp?.skip_tensor_list ?? [],
    ...(qp?.deploy_backend === 'tensorrt' ? { backend: 'tensorrt' as const } : {}),
  } as PtqTrialConfig;
  applyQuantPost(t, qp);
  return t;
}

/** The dimensions the fan-out grid walks, outermost first: the order jobs compiled before the grid searched ran their trials in. */
const FAN_OUT_GRID = ['ptq_algo', 'weight_quantize_type', 'bias_correct', 'batch_num', 'round_type', 'hist_percent'];

/** The PTQ trials a config asks for: QuantPost alone, or the grid of HyperParameterOptimization. */
export function ptqTrials(config: JobConfig, opts: { widePlacement?: boolean } = {}): PtqTrialConfig[] {
  const trials = calibrationTrials(config);
  const placement = config.QuantPost?.qdq_placement ?? 'auto';
  const placements = placement === 'auto' ? autoPlacements(opts) : [placement];
  // The TensorRT preset fixes placement itself (Q/DQ at the quantized layers only).
  const all = trials.flatMap((t) => (t.backend === 'tensorrt' ? [t] : placements.map((p) => ({ ...t, placement: p }))));
  // The trial budget counts every model built, placement variants included.
  return all.slice(0, config.HyperParameterOptimization?.max_quant_count ?? all.length);
}

/** The calibration settings to try, before placement variants. */
function calibrationTrials(config: JobConfig): PtqTrialConfig[] {
  const base = baseTrial(config);
  const hpo = config.HyperParameterOptimization;
  if (!hpo) return [base];
  // Jobs compiled before the grid ran as a search (CompileOptions.gridSearch false) fan out this grid, capped by the budget.
  let grid: PtqTrialConfig[] = [base];
  for (const key of FAN_OUT_GRID) {
    const d = trialParam(key)!;
    // Absent: the base trial's value; a conditional parameter's own default (the calibrator's hist_percent).
    const values = (hpo as unknown as Record<string, readonly ParamValue[] | undefined>)[key] ?? [d.when ? d.default : d.get(base) ?? d.default];
    grid = grid.flatMap((t) => {
      const on = d.when && trialParam(d.when.param)!.get(t);
      if (d.when && (on === undefined || !d.when.in.includes(on))) {
        const off = { ...t };
        d.clear?.(off);
        return [off];
      }
      return values.map((v) => {
        const n = { ...t };
        d.set(n, v);
        return n;
      });
    });
  }
  return grid.slice(0, hpo.max_quant_count).map((t) => JSON.parse(JSON.stringify(t)) as PtqTrialConfig);
}

/** A short human label for a trial, shown in reports. */
export function trialLabel(t: PtqTrialConfig): string {
  if (t.scheme === 'dynamic') return ['int8 dynamic', t.perChannel ? 'per-channel' : 'per-tensor', t.embeddings ? 'int8-embeddings' : ''].filter(Boolean).join(' ');
  return ['int8', t.calibrator, t.perChannel ? 'per-channel' : 'per-tensor', t.biasCorrect ? 'bias-corrected' : '', t.roundType === 'adaround' ? 'adaround' : '', t.histPercent ? `p${t.histPercent}` : '', t.placement ?? '', t.actMatMul ? 'act-matmul' : '', t.embeddings ? 'int8-embeddings' : '', t.backend === 'tensorrt' ? 'tensorrt' : '']
    .filter(Boolean)
    .join(' ');
}

const ref = (expr: string) => `\${{ ${expr} }}`;

/** The object without its undefined entries (a search replaces the grid's steps by undefining them). */
const withoutUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Whether the PTQ trials run as a ptqSearch (HyperParameterOptimization; the grid too, unless compiled as before). */
const searches = (config: JobConfig, opts: CompileOptions): boolean =>
  !!config.HyperParameterOptimization && (config.HyperParameterOptimization.strategy !== 'grid' || (opts.gridSearch ?? true));

/**
 * The Q/DQ placement of the search: `auto` makes it a dimension (both placements, as the fan-out
 * tries), a fixed one goes into the base trial; TensorRT's preset fixes placement itself.
 */
function searchPlacement(config: JobConfig, opts: CompileOptions): { placement?: Placement[]; base?: Partial<PtqTrialConfig> } {
  const qp = config.QuantPost;
  if (qp?.deploy_backend === 'tensorrt') return {};
  const placement = qp?.qdq_placement ?? 'auto';
  return placement === 'auto' ? { placement: autoPlacements(opts) } : { base: { placement } };
}

/**
 * With HyperParameterOptimization, the PTQ fan-out becomes one ptqSearch child workflow (`strategy:
 * grid` walks the same space in order): its steps replace ptq/candidates, and its trials go to the
 * side-by-side timing and selection like the fan-out's candidates.
 */
function searchSteps(config: JobConfig, evalInput: string, opts: CompileOptions): Record<string, unknown> {
  const hpo = config.HyperParameterOptimization;
  if (!hpo || !searches(config, opts)) return {};
  const { max_quant_count: budget, strategy, objective, ...hpoSpace } = hpo;
  // Placement joins the space with the grid-as-search compilation (jobs compiled before it searched without).
  const placed = opts.gridSearch ?? true ? searchPlacement(config, opts) : {};
  const space = { ...hpoSpace, ...(placed.placement ? { placement: placed.placement } : {}) };
  return {
    ptq: undefined,
    candidates: undefined,
    search: {
      stage: 'ptqSearch',
      needs: ['analyze'],
      with: {
        model: ref('inputs.model'), calib: ref('inputs.calib'), eval: ref(evalInput), teacher: ref('steps.teacher.teacher'),
        baseline: ref('steps.baseline.candidate'), tolerance: ref('inputs.tolerance'), input: ref('inputs.input'),
        space: { ...space, base: { ...baseTrial(config), ...placed.base } }, budget, strategy, objective, seed: config.Global.seed,
        modelName: config.Global.model.split(/[\\/]/).pop()!.replace(/\.onnx$/, ''),
      },
    },
  };
}

/** Step ids of the chained trainings: `train`, then `train2`… (each trains the one before's student). */
const trainStepId = (i: number) => (i === 0 ? 'train' : `train${i + 1}`);

/**
 * With training sections: trainStrategy runs when the best INT8 candidate lost more than the tolerance.
 * A chain (prune, then QAT) starts from the previous step's student and is skipped with it.
 */
function trainSteps(config: JobConfig, evalInput: string, contest: boolean): Record<string, unknown> {
  const configs = trainingConfigs(config);
  if (configs.length === 0) return {};
  const steps: Record<string, unknown> = Object.fromEntries(configs.map((train, i) => [trainStepId(i), {
    stage: 'trainStrategy',
    ...(i === 0 ? { when: '${{ steps.int8.accuracyDrop > inputs.tolerance }}' } : {}),
    with: {
      model: ref(i === 0 ? 'inputs.model' : `steps.${trainStepId(i - 1)}.model`), teacher: ref('steps.teacher.teacher'), train: ref('inputs.calib'), eval: ref(evalInput),
      config: train, input: ref('inputs.input'),
    },
  }]));
  const last = trainStepId(configs.length - 1);
  // The trained student goes out next to the chosen model (skipped, like the training, when PTQ sufficed).
  steps.publishTrained = { stage: 'publishModel', with: { model: ref(`steps.${last}.model`), outputDir: ref('inputs.outputDir'), file: 'trained.onnx' } };
  if (!contest) return steps;
  // Then it competes with the PTQ pick for model.onnx, timed side by side with it and FP32 (its
  // validation latency was taken alone). The same rule chooses; the PTQ pick wins ties.
  steps.trainedTiming = {
    stage: 'compareLatency',
    with: { baseline: ref('steps.timing.baseline'), candidates: [ref('steps.best.best'), ref(`steps.${last}.candidate`)], input: ref('inputs.input') },
  };
  steps.final = {
    stage: 'selectBest',
    with: { candidates: ref('steps.trainedTiming.candidates'), baseline: ref('steps.trainedTiming.baseline'), tolerance: ref('inputs.tolerance') },
  };
  // After `publish`, so the final choice is the model.onnx that stays.
  steps.publishFinal = { stage: 'publishModel', needs: ['publish'], with: { model: ref('steps.final.model'), outputDir: ref('inputs.outputDir'), label: ref('steps.final.best.label') } };
  return steps;
}

/** Options of compileConfig; workflows pass what their history was recorded with. */
export interface CompileOptions {
  /** The trained student competes for model.onnx (steps trainedTiming, final, publishFinal). Default true. */
  trainedContest?: boolean;
  /** `strategy: grid` runs as a ptqSearch over every dimension, and placement is a search dimension. Default true. */
  gridSearch?: boolean;
  /** `qdq_placement: auto` includes 'integer-wide'. Default true; histories recorded before it replay without. */
  widePlacement?: boolean;
}

/** Compile an ACT-style config into the pipeline that runs it. */
export function compileConfig(config: JobConfig, name = 'compress', opts: CompileOptions = {}): PipelineDocument {
  const contest = opts.trainedContest ?? true;
  assertSupported(config);
  const trials = ptqTrials(config, opts);
  const g = config.Global;
  const evalInput = g.eval_data ? 'inputs.eval' : 'inputs.calib';
  const searching = searches(config, opts);
  const trainCount = trainingConfigs(config).length;
  return {
    name,
    description: 'Generated from the job config: teacher, FP32 baseline, PTQ trials, validation, side-by-side timing, best candidate.',
    inputs: {
      model: { type: 'model', description: 'the FP32 model (a path or an artifact ref)' },
      calib: { type: 'dataset' },
      eval: { type: 'dataset', default: g.eval_data ?? g.calibration_data },
      tolerance: { type: 'number', default: g.deploy.max_accuracy_drop },
      input: { type: 'json', default: inputPortOf(g) },
      outputDir: { type: 'string', default: g.output_dir },
    },
    steps: withoutUndefined({
      analyze: { stage: 'analyzeGraph', with: { model: ref('inputs.model') } },
      teacher: { stage: 'cloneTeacher', with: { model: ref('inputs.model') } },
      baseline: {
        stage: 'validateCandidate',
        with: { model: ref('inputs.model'), teacher: ref('steps.teacher.teacher'), eval: ref(evalInput), label: 'fp32', input: ref('inputs.input') },
      },
      ptq: {
        stage: 'ptqTrial',
        needs: ['analyze'],
        forEach: { items: trials },
        with: { model: ref('inputs.model'), calib: ref('inputs.calib'), ptq: ref('item'), input: ref('inputs.input') },
      },
      candidates: {
        stage: 'validateCandidate',
        forEach: { items: ref('steps.ptq.trial') },
        with: { model: ref('item.model'), teacher: ref('steps.teacher.teacher'), eval: ref(evalInput), label: ref('item.label'), config: ref('item.config'), input: ref('inputs.input') },
      },
      // FP32 after graph rewrites only (opset upgrade, BN and affine folding, HardSwish): lossless,
      // shown beside the INT8 candidates so the report separates what quantization itself wins.
      rewritten: { stage: 'optimizeGraph', with: { model: ref('inputs.model') } },
      rewrittenCheck: {
        stage: 'validateCandidate',
        with: { model: ref('steps.rewritten.model'), teacher: ref('steps.teacher.teacher'), eval: ref(evalInput), label: 'fp32 rewritten', input: ref('inputs.input') },
      },
      // Latencies taken while other trials ran are noise: time every model side by side, then choose.
      timing: {
        stage: 'compareLatency',
        with: {
          baseline: ref('steps.baseline.candidate'),
          reference: ref('steps.rewrittenCheck.candidate'),
          candidates: ref(searching ? 'steps.search.trials' : 'steps.candidates.candidate'),
          input: ref('inputs.input'),
        },
      },
      // The fastest model within tolerance wins, the lossless FP32 rewrite included: on a CPU whose
      // integer kernels do not pay (no VNNI, tiny channels) that is the honest answer.
      best: {
        stage: 'selectBest',
        with: { candidates: ref('steps.timing.all'), baseline: ref('steps.timing.baseline'), tolerance: ref('inputs.tolerance') },
      },
      // The best INT8 model alone, for the report's quantization figures.
      int8: {
        stage: 'selectBest',
        with: { candidates: ref('steps.timing.candidates'), baseline: ref('steps.timing.baseline'), tolerance: ref('inputs.tolerance') },
      },
      ...searchSteps(config, evalInput, opts),
      ...trainSteps(config, evalInput, contest),
      publish: {
        stage: 'publishModel',
        with: { model: ref('steps.best.model'), outputDir: ref('inputs.outputDir'), label: ref('steps.best.best.label') },
      },
    }),
    outputs: {
      baseline: ref('steps.timing.baseline'),
      rewritten: ref('steps.timing.reference'),
      candidates: ref('steps.timing.candidates'),
      best: ref('steps.best.best'),
      int8: ref('steps.int8.best'),
      modelPath: ref('steps.publish.path'),
      ...(searching ? { searchStoppedBy: ref('steps.search.stoppedBy') } : {}),
      ...(trainCount ? {
        trained: ref(`steps.${trainStepId(trainCount - 1)}.candidate`),
        trainedPath: ref('steps.publishTrained.path'),
        // Null when training was skipped: the PTQ pick (`best`, `modelPath`) stands.
        ...(contest ? {
          finalTiming: ref('steps.trainedTiming.candidates'),
          finalBaseline: ref('steps.trainedTiming.baseline'),
          final: ref('steps.final.best'),
          finalPath: ref('steps.publishFinal.path'),
        } : {}),
      } : {}),
    },
  };
}
