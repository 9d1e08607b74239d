// One PTQ configuration, locally and without Temporal: what `slimflow quantize` does, as a function.
import * as path from 'node:path';
import { absolutizeConfig } from '../activities/job-activities';
import { calibrationFeeds, quantizeWithTrial, trialOf } from '../cli/commands/quantize';
import { writeFileAtomic } from '../core/artifacts/atomic';
import type { PtqTrialConfig } from '../core/config/compile';
import { configFeed } from '../core/config/check-feed';
import { loadJobConfig } from '../core/config/load';
import type { JobConfig } from '../core/config/schema';
import { encodeModel, readModel } from '../core/onnx/model-io';
import type { QuantizeReport } from '../core/quant/ptq';

/** Options of quantizeWithConfig. */
export interface LocalPtqOptions {
  /** Write the quantized model here (atomically). */
  out?: string;
  /** Calibrator instead of the config's QuantPost.algo. */
  calibrator?: string;
  /** Folder the config's relative paths are relative to (default process.cwd()). */
  cwd?: string;
}

/** The quantized model of one PTQ configuration (the config's QuantPost, or defaults), with its report. */
export interface LocalPtqResult {
  bytes: Uint8Array;
  report: QuantizeReport;
  trial: PtqTrialConfig;
  seconds: number;
  out?: string;
}

/** Quantize `modelPath` to INT8 QDQ with the calibration data and PTQ settings of a job config. */
export async function quantizeWithConfig(modelPath: string, config: string | JobConfig, opts: LocalPtqOptions = {}): Promise<LocalPtqResult> {
  const loaded = absolutizeConfig(typeof config === 'string' ? loadJobConfig(config) : config, opts.cwd ?? process.cwd());
  const trial = trialOf(loaded, opts.calibrator);
  const fp32 = readModel(modelPath);
  const { model, report, seconds } = await quantizeWithTrial(fp32, calibrationFeeds(loaded, trial, configFeed(loaded, fp32)), trial, loaded.Global.deploy.threads);
  const bytes = encodeModel(model);
  const out = opts.out ? path.resolve(opts.out) : undefined;
  if (out) writeFileAtomic(out, bytes);
  return { bytes, report, trial, seconds, ...(out ? { out } : {}) };
}
