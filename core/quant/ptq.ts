import { SlimflowError } from '../errors';
import { encodeModel } from '../onnx/model-io';
import { prepareModel, PrepareReport } from '../onnx/prepare';
import { Model } from '../onnx/proto';
import { type CpuFeatures, cpuFeatures } from '../runtime/cpu-features';
import { countKernels } from '../runtime/kernels';
import { Tensor } from '../tensor';
import { calibratorNames, getCalibrator } from './calibrators';
import { applyBiasCorrection, BiasCorrectionReport, biasCorrectionObserver } from './bias-correction';
import { collectRanges } from './collect';
import { type EmbeddingQuantReport, quantizeEmbeddings } from './embedding';
import { type CpuPlacement, decidePlacement } from './cpu-placement';
import { planQuantization } from './plan';
import { emitQdq } from './qdq';
import { nchwNearestResize } from './resize-layout';
import { RangeRecord } from './ranges';
import { getWeightQuantizer } from './weight-quantizers';
import { RoundingReport, startRounding } from './weight-rounding';

/**
 * Deploy-target presets. 'onnxruntime' (default, x86 CPU): uint8 asymmetric activations, int8
 * per-channel weights (7 bits on CPUs without VNNI, see cpu-placement.ts), integer path between layers and the layout
 * rewrites onnxruntime's CPU kernels want. 'tensorrt': symmetric int8 everywhere (zero points 0),
 * full 8-bit weights, Q/DQ at the quantized layers only (TensorRT's explicit quantization), no
 * onnxruntime-specific rewrites; slimflow still validates and times it with onnxruntime.
 */
export type DeployBackend = 'onnxruntime' | 'tensorrt';

export interface QuantizeOptions {
  calibrator: string;
  /** Deploy-target preset (default 'onnxruntime'); 'tensorrt' overrides the layout and placement options below. */
  backend?: DeployBackend;
  calibratorParams?: unknown;
  /** Op types to quantize (default: Conv, ConvTranspose, MatMul, Gemm). */
  opTypes?: string[];
  /** Node names (or first output names for unnamed nodes) to keep in float. */
  skipNodes?: string[];
  /** Per-channel weight scales (default true). */
  perChannel?: boolean;
  /**
   * 7-bit weights (default: on CPUs without VNNI only): AVX2 sums u8·s8 pairs in int16, which
   * saturates with full-range weights (cls top-1 agreement 96.3% → 99.0% on rendered lines with it).
   */
  reduceRange?: boolean;
  /** The deploy CPU whose features decide reduce-range and narrow convs (default: this machine's). */
  cpu?: CpuFeatures;
  /** Quantize depthwise convs too (see PlanOptions.quantizeDepthwise; default true). */
  quantizeDepthwise?: boolean;
  /** Run HardSwish islands as uint8 lookup tables (see PlanOptions.tableActivations). */
  tableActivations?: boolean;
  /** Keep the activation path integer between layers (default true; see PlanOptions.integerActivations). */
  integerActivations?: boolean;
  /** Non-weight op types the integer path may take (default: DEFAULT_INTEGER_OPS in integer-ops.ts). */
  integerOpTypes?: string[];
  /** The 'integer-wide' placement: Split/Slice/MaxPool join the integer path, the output tail stays float (see PlanOptions.wideIntegerPath). */
  wideIntegerPath?: boolean;
  /** Quantize MatMuls of two activations (attention's QKᵀ, AV) too (see PlanOptions.quantizeActMatMul; default false). */
  quantizeActMatMul?: boolean;
  /** Store Gather tables (embeddings) as int8 with one scale per row (see embedding.ts; default false). */
  quantizeEmbeddings?: boolean;
  threads?: number;
  /** Weight quantizer by ACT name (weight_quantize_type: 'channel_wise_abs_max' | 'abs_max'); overrides perChannel. */
  weightQuantizer?: string;
  /** Fold the mean output shift of weight quantization into each layer's bias (ACT's bias_correct). */
  biasCorrection?: boolean;
  /** Use at most this many calibration batches (ACT's batch_num); batch size is the iterable's. */
  batchNum?: number;
  /** How weights round to integers, by ACT's round_type: 'round' (nearest, default) or 'adaround' (learned per layer). */
  weightRounding?: string;
  /** Parameters of the weight rounding (see its zod schema, e.g. core/quant/adaround). */
  weightRoundingParams?: unknown;
  /** Progress of long steps after calibration (AdaRound's learning), about once a second: heartbeat from it. */
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
}

export interface QuantizeReport {
  quantizedNodes: string[];
  /** Non-weight ops kept in the integer domain (Add, Mul, HardSigmoid, pools…), by node name. */
  integerOps: string[];
  skippedNodes: { name: string; reason: string }[];
  ranges: RangeRecord;
  /** Op-type census of the optimized graph onnxruntime runs for the quantized model. */
  integerKernels: Record<string, number>;
  preparation: PrepareReport;
  /** Layers whose bias absorbed a correction, and those skipped (when biasCorrection was asked for). */
  biasCorrection?: BiasCorrectionReport;
  /** Per-layer output error of the learned rounding against nearest rounding (when a learned rounding was asked for). */
  rounding?: RoundingReport;
  /** The CPU-dependent choices (reduce-range weights, float narrow convs), each with its reason. */
  cpuPlacement: CpuPlacement;
  /** Gather tables stored as int8 (when quantizeEmbeddings was asked for). */
  embeddings?: EmbeddingQuantReport;
}

/** Post-training static quantization to QDQ: prepare, plan, calibrate in one pass per batch, emit Q/DQ, check kernels. */
export async function quantizeModel(model: Model, calibBatches: AsyncIterable<Record<string, Tensor>>, opts: QuantizeOptions): Promise<{ model: Model; report: QuantizeReport }> {
  if (!calibratorNames().includes(opts.calibrator)) getCalibrator(opts.calibrator);
  const { model: prepared, report: preparation } = prepareModel(model);
  const trt = opts.backend === 'tensorrt';
  const cpu = opts.cpu ?? cpuFeatures();
  const cpuPlacement = decidePlacement(cpu, opts);
  if (!trt) nchwNearestResize(prepared.graph);
  const perChannel = opts.weightQuantizer !== undefined ? getWeightQuantizer(opts.weightQuantizer).perChannel : opts.perChannel;
  const plan = planQuantization(prepared, { ...opts, perChannel, ...(trt ? { int8Activations: true, quantizeDepthwise: true } : {}), cpu });
  if (plan.marks.length === 0) {
    throw new SlimflowError('NOT_SUPPORTED', `no node can be quantized (op types ${(opts.opTypes ?? []).join(', ') || 'default'}; ${plan.skipped.length} skipped)`);
  }
  const weightQmax = cpuPlacement.reduceRange.apply ? 63 : 127;
  const means = opts.biasCorrection ? biasCorrectionObserver(plan.marks) : undefined;
  const roundingName = opts.weightRounding ?? 'round';
  const rounding = startRounding(roundingName, opts.weightRoundingParams, { graph: prepared.graph, marks: plan.marks, weightQmax, threads: opts.threads, onProgress: opts.onProgress });
  let ranges: RangeRecord;
  let roundingReport: RoundingReport;
  try {
    // One pass feeds the calibrator and every observer (bias means, AdaRound's Gram matrices).
    ranges = await collectRanges(prepared, plan.activationTensors, calibBatches, {
      calibrator: opts.calibrator, calibratorParams: opts.calibratorParams, threads: opts.threads, batchNum: opts.batchNum,
      observers: [...(means ? [means] : []), ...rounding.observers],
    });
    roundingReport = await rounding.finish();
  } finally {
    await rounding.release();
  }
  // Biases are corrected in the float graph, before the emitter quantizes weights and biases from it;
  // a learned rounding is already set on the marks, so the correction sees the weights the emitter writes.
  const biasCorrection = means ? applyBiasCorrection(prepared.graph, plan.marks, means, weightQmax) : undefined;
  const quantized = emitQdq(prepared, plan, ranges, { weightQmax, activations: trt ? 'int8' : 'uint8' });
  const embeddings = opts.quantizeEmbeddings ? quantizeEmbeddings(quantized) : undefined;
  const integerKernels = await countKernels(encodeModel(quantized), { threads: opts.threads });
  return {
    model: quantized,
    report: {
      quantizedNodes: plan.marks.map((m) => m.node.name || m.node.output[0]),
      integerOps: plan.integerOps.map((m) => m.node.name || m.node.output[0]),
      skippedNodes: plan.skipped,
      ranges,
      integerKernels,
      preparation,
      ...(biasCorrection ? { biasCorrection } : {}),
      ...(roundingName !== 'round' ? { rounding: roundingReport } : {}),
      cpuPlacement,
      ...(embeddings ? { embeddings } : {}),
    },
  };
}
