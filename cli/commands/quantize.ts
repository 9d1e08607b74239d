import * as path from 'node:path';
import { Command } from 'commander';
import { absolutizeConfig } from '../../activities/job-activities';
import { writeFileAtomic } from '../../core/artifacts/atomic';
import { clearInactive } from '../../core/components/ptq-params';
import { baseTrial, PtqTrialConfig, trialLabel } from '../../core/config/compile';
import { loadJobConfig } from '../../core/config/load';
import type { JobConfig } from '../../core/config/schema';
import { configFeed } from '../../core/config/check-feed';
import type { Feed } from '../../core/feed';
import { feedBatches } from '../../core/feed-data';
import { encodeModel, readModel } from '../../core/onnx/model-io';
import { Model } from '../../core/onnx/proto';
import { quantizeModel, QuantizeReport } from '../../core/quant/ptq';
import { quantizeOptionsFor } from '../../core/quant/trial-options';
import { integerKernelCount } from '../../core/runtime/kernels';
import { Tensor } from '../../core/tensor';
import { emit, fail, info } from '../output';

/** The one PTQ configuration a config's QuantPost (or defaults) describes, with an optional calibrator override. */
export function trialOf(config: JobConfig, calibrator?: string): PtqTrialConfig {
  const t = baseTrial(config);
  if (!calibrator || calibrator === t.calibrator) return t;
  // hist_percent belongs to the hist calibrator only (another calibrator's schema would reject it): the declared conditions clear it.
  const other = { ...t, calibrator };
  clearInactive(other);
  return other;
}

/** Calibration feeds of a config: batch_num batches of batch_size samples from Global.calibration_data. */
export async function* calibrationFeeds(config: JobConfig, trial: PtqTrialConfig, feed: Feed = configFeed(config)): AsyncGenerator<Record<string, Tensor>> {
  const g = config.Global;
  for await (const b of feedBatches(g.calibration_data, feed.inputs, { batchSize: trial.batchSize, limit: trial.batchSize * trial.batchNum, where: 'Global.calibration_data' })) yield b.inputs;
}

/** Quantize a model as one trial says, from any source of calibration feeds; returns the QDQ model, its report and the seconds it took. */
export async function quantizeWithTrial(model: Model, feeds: AsyncIterable<Record<string, Tensor>>, trial: PtqTrialConfig, threads = 1): Promise<{ model: Model; report: QuantizeReport; seconds: number }> {
  const t0 = performance.now();
  // The same mapping the ptqTrial activity uses, so a local run quantizes exactly as a job's trial would.
  const { model: quantized, report } = await quantizeModel(model, feeds, quantizeOptionsFor(trial, threads));
  return { model: quantized, report, seconds: (performance.now() - t0) / 1000 };
}

/** `slimflow quantize <model> --config <yaml> --out <file>`: one PTQ configuration, locally, no server. */
export const quantizeCommand = new Command('quantize')
  .description('quantize a model to INT8 QDQ with the PTQ settings of a job config (locally, no Temporal server)')
  .argument('<model>', 'FP32 .onnx file')
  .requiredOption('--config <yaml>', 'job config: calibration data from Global, calibrator and options from QuantPost')
  .requiredOption('--out <file>', 'where to write the quantized .onnx')
  .option('--algo <name>', 'calibrator to use instead of QuantPost.algo')
  .option('--json', 'print the figures as one JSON object on the last line')
  .action(async (modelPath: string, opts: { config: string; out: string; algo?: string; json?: boolean }) => {
    try {
      const config = absolutizeConfig(loadJobConfig(opts.config), process.cwd());
      const trial = trialOf(config, opts.algo);
      info(`quantizing ${modelPath} (${trialLabel(trial)}; ${trial.batchNum}×${trial.batchSize} calibration samples)`);
      const fp32 = readModel(modelPath);
      const { model, report, seconds } = await quantizeWithTrial(fp32, calibrationFeeds(config, trial, configFeed(config, fp32)), trial, config.Global.deploy.threads);
      const out = path.resolve(opts.out);
      writeFileAtomic(out, encodeModel(model));
      const figures = {
        model: path.resolve(modelPath),
        out,
        label: trialLabel(trial),
        trial,
        quantizedNodes: report.quantizedNodes.length,
        skippedNodes: report.skippedNodes.length,
        skipped: report.skippedNodes,
        integerKernels: integerKernelCount(report.integerKernels),
        kernelCensus: report.integerKernels,
        seconds,
      };
      emit(!!opts.json, figures, () => [
        `wrote ${out} (${figures.label})`,
        `  quantized nodes ${figures.quantizedNodes}, kept in float ${figures.skippedNodes}, integer kernels ${figures.integerKernels}`,
        `  took ${seconds.toFixed(1)} s`,
      ].join('\n'));
    } catch (e) {
      fail(e);
    }
  });
