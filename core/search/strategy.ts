import type { GraphAnalysis } from '../onnx/analysis';
import type { JobConfig } from '../config/schema';
import type { PipelineDocument } from '../pipeline/schema';
import { compileConfig } from '../config/compile';
import { SlimflowError } from '../errors';

import type { SkippedStrategy } from '../report/report';

export type { SkippedStrategy };

export interface AutoPlan {
  pipeline: PipelineDocument;
  strategy: string;
  skipped: SkippedStrategy[];
}

/**
 * The automatic mode's decision, a pure function of (config, analysis) so the workflow can call it:
 * which strategies to run and which to skip, and why. Today only post-training INT8 quantization
 * runs; training-based strategies are reported as skipped until they exist.
 */
export function planAutoCompress(config: JobConfig, analysis: GraphAnalysis): AutoPlan {
  const present = new Set(analysis.quantizableLayers.map((l) => l.opType));
  if (present.size === 0) {
    throw new SlimflowError('NOT_SUPPORTED', 'the model has no quantizable layer (Conv, ConvTranspose, MatMul or Gemm with constant weights)', config.Global.model);
  }
  // Quantize only op types the model has, so the plan shows what will really change.
  const opTypes = (config.QuantPost?.quantize_op_types ?? ['Conv', 'ConvTranspose', 'MatMul', 'Gemm']).filter((t) => present.has(t));
  const effective: JobConfig = {
    ...config,
    QuantPost: {
      algo: 'abs_max', weight_quantize_type: 'channel_wise_abs_max', batch_size: config.Global.input_shape[0] ?? 8, batch_num: 8,
      activation_bits: 8, weight_bits: 8, skip_tensor_list: [], bias_correct: false, is_full_quantize: false, onnx_format: true, qdq_placement: 'auto',
      ...config.QuantPost,
      quantize_op_types: opTypes as NonNullable<JobConfig['QuantPost']>['quantize_op_types'],
    },
  };
  const skipped: SkippedStrategy[] = [
    { strategy: 'QAT with distillation', reason: 'training strategies are not built yet (PTQ only)' },
    { strategy: 'channel pruning + INT8', reason: 'training strategies are not built yet (PTQ only)' },
    { strategy: '2:4 sparsity', reason: 'onnxruntime CPU has no 2:4 sparse kernels: no speedup on this target' },
    { strategy: 'unstructured sparsity', reason: 'onnxruntime CPU kernels do not exploit unstructured sparsity: no speedup on this target' },
  ];
  const pipeline = compileConfig(effective, `auto-${analysis.family}`);
  // autoCompress has analysed the model already; the generated pipeline starts after that.
  const { analyze: _analyzed, ...steps } = pipeline.steps;
  for (const step of Object.values(steps) as Array<{ needs?: string[] }>) {
    if (step.needs) step.needs = step.needs.filter((n) => n !== 'analyze');
    if (step.needs?.length === 0) delete step.needs;
  }
  return { pipeline: { ...pipeline, steps }, strategy: 'ptq-int8', skipped };
}
