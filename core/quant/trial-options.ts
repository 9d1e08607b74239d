import type { PtqTrialConfig } from '../config/compile';
import type { QuantizeOptions } from './ptq';

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

/** The quantizeModel options one PTQ trial stands for: the single mapping from config terms to the quantizer's. */
export function quantizeOptionsFor(trial: PtqTrialConfig, threads = 1): QuantizeOptions {
  return {
    calibrator: trial.calibrator,
    ...calibratorParams(trial),
    opTypes: trial.opTypes,
    skipNodes: trial.skipNodes ?? [],
    weightQuantizer: trial.perChannel ? 'channel_wise_abs_max' : 'abs_max',
    biasCorrection: trial.biasCorrect,
    batchNum: trial.batchNum,
    ...(trial.roundType === 'adaround' ? { weightRounding: 'adaround', weightRoundingParams: trial.roundParams ?? {} } : {}),
    ...(trial.placement ? PLACEMENT_OPTIONS[trial.placement] : {}),
    ...(trial.backend === 'tensorrt' ? { backend: 'tensorrt' as const } : {}),
    ...(trial.actMatMul ? { quantizeActMatMul: true } : {}),
    ...(trial.embeddings ? { quantizeEmbeddings: true } : {}),
    threads,
  };
}

/** The calibrator parameters a trial sets (hist_percent, activation symmetry); none when it sets neither. */
function calibratorParams(trial: PtqTrialConfig): Pick<QuantizeOptions, 'calibratorParams'> {
  const p = {
    ...(trial.histPercent !== undefined ? { hist_percent: trial.histPercent } : {}),
    ...(trial.symmetric !== undefined ? { symmetric: trial.symmetric } : {}),
  };
  return Object.keys(p).length > 0 ? { calibratorParams: p } : {};
}
