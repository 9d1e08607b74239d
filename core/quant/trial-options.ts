import type { PtqTrialConfig } from '../config/compile';
import type { QuantizeOptions } from './ptq';

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
    ...(trial.placement === 'conv-only' ? { integerActivations: false, quantizeDepthwise: false } : {}),
    ...(trial.placement === 'integer-path' ? { integerActivations: true, quantizeDepthwise: true } : {}),
    ...(trial.backend === 'tensorrt' ? { backend: 'tensorrt' as const } : {}),
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
