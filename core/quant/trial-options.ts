import type { PtqTrialConfig } from '../config/compile';
import type { QuantizeOptions } from './ptq';

/** The quantizeModel options one PTQ trial stands for: the single mapping from config terms to the quantizer's. */
export function quantizeOptionsFor(trial: PtqTrialConfig, threads = 1): QuantizeOptions {
  return {
    calibrator: trial.calibrator,
    ...(trial.histPercent !== undefined ? { calibratorParams: { hist_percent: trial.histPercent } } : {}),
    opTypes: trial.opTypes,
    skipNodes: trial.skipNodes ?? [],
    weightQuantizer: trial.perChannel ? 'channel_wise_abs_max' : 'abs_max',
    biasCorrection: trial.biasCorrect,
    batchNum: trial.batchNum,
    ...(trial.placement === 'conv-only' ? { integerActivations: false, quantizeDepthwise: false } : {}),
    ...(trial.placement === 'integer-path' ? { integerActivations: true, quantizeDepthwise: true } : {}),
    threads,
  };
}
