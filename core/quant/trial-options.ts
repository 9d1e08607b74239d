import type { PtqTrialConfig } from '../config/compile';
import type { QuantizeOptions } from './ptq';
import { paramOptions } from '../components/ptq-params';

/**
 * What each qdq_placement means to the quantizer: integer activations between layers (depthwise too),
 * Conv/MatMul layers alone, or 'integer-wide': the integer path through Split/Slice/MaxPool too, so the
 * branches of split blocks (YOLO's C2f, CSP) and their residual Add/Concat stay uint8, with the output
 * tail after the last weight layer (a detector's decode and its box/class Concat) float.
 */
export const PLACEMENT_OPTIONS: Readonly<Record<NonNullable<PtqTrialConfig['placement']>, Pick<QuantizeOptions, 'integerActivations' | 'quantizeDepthwise' | 'wideIntegerPath'>>> = {
  'integer-path': { integerActivations: true, quantizeDepthwise: true },
  'conv-only': { integerActivations: false, quantizeDepthwise: false },
  'integer-wide': { integerActivations: true, quantizeDepthwise: true, wideIntegerPath: true },
};

/**
 * The quantizeModel options one PTQ trial stands for: the single mapping from config terms to the
 * quantizer's. Each declared trial parameter maps its own field (core/components/ptq-params.ts); the
 * placement's options are PLACEMENT_OPTIONS; op types, skipped nodes and the deploy preset are the trial's own.
 */
export function quantizeOptionsFor(trial: PtqTrialConfig, threads = 1): QuantizeOptions {
  return {
    calibrator: trial.calibrator,
    ...paramOptions(trial),
    opTypes: trial.opTypes,
    skipNodes: trial.skipNodes ?? [],
    ...(trial.placement ? PLACEMENT_OPTIONS[trial.placement] : {}),
    ...(trial.backend === 'tensorrt' ? { backend: 'tensorrt' as const } : {}),
    threads,
  };
}
