import { ArtifactRef, sha256 } from '../core/artifacts/store';
import type { PtqTrialConfig } from '../core/config/compile';
import { trialLabel } from '../core/config/compile';
import { batchSizeFor } from '../core/config/feed-request';
import { feedBatches } from '../core/feed-data';
import { graphInputs } from '../core/onnx/graph-inputs';
import { dynamicTrialModel } from '../core/quant/dynamic';
import { quantizeModel } from '../core/quant/ptq';
import { QUANTIZER_REVISION } from '../core/quant/revision';
import { quantizeOptionsFor } from '../core/quant/trial-options';
import { type CpuPlacement, decidePlacement } from '../core/quant/cpu-placement';
import { cpuFeatures } from '../core/runtime/cpu-features';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { beat } from './heartbeat';
import { feedFor, inputSpec } from './input-spec';
import { loadModelRef, storeModel } from './model-refs';

export interface PtqTrialResult {
  model: ArtifactRef;
  trialKey: string;
  label: string;
  calibration: { quantizedNodes: number; skippedNodes: { name: string; reason: string }[]; integerKernels: Record<string, number>; cpuPlacement?: CpuPlacement };
  /** What the validation step fans out over: the model with its label and config. */
  trial: { model: ArtifactRef; label: string; config: PtqTrialConfig };
}

const DEFAULT_TRIAL: PtqTrialConfig = {
  calibrator: 'abs_max', perChannel: true, biasCorrect: false, batchSize: 8, batchNum: 8,
  opTypes: ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'], skipNodes: [],
};

/** The ptqTrial activity: calibrate and quantize one configuration, once per (model, data, config). */
export function createPtqActivities(deps: ActivityDeps) {
  return {
    async ptqTrial(input: { model: ArtifactRef; calib: unknown; ptq?: Partial<PtqTrialConfig>; input?: unknown }): Promise<PtqTrialResult> {
      return asActivity(async () => {
        const config: PtqTrialConfig = { ...DEFAULT_TRIAL, ...(input.ptq ?? {}) };
        const spec = inputSpec(input.input);
        // A trial is keyed by what decides its result, the CPU-dependent rules included: a retried or
        // duplicated trial is never recomputed, and a worker on another CPU kind does not reuse it.
        const rules = decidePlacement(cpuFeatures(), quantizeOptionsFor(config));
        const cpuKey = [rules.reduceRange.apply, rules.floatNarrowConvs.apply];
        // The quantizer's revision too, so that a warm store never returns a model built by earlier code.
        const trialKey = `ptq-${sha256(JSON.stringify([input.model.sha256, input.calib, config, spec.request, cpuKey, QUANTIZER_REVISION]))}`;
        const done = await deps.store.lookup<PtqTrialResult>(trialKey);
        if (done) return done;

        const model = await loadModelRef(deps, input.model);
        if (config.scheme === 'dynamic') {
          // No calibration: weights to int8 now, activations at run time (core/quant/dynamic.ts).
          beat({ stage: 'dynamic quantization' });
          const opTypes = config.opTypes.filter((t): t is 'MatMul' | 'Gemm' => t === 'MatMul' || t === 'Gemm');
          const { model: quantized, report } = await dynamicTrialModel(model, {
            opTypes, perChannel: config.perChannel, skipNodes: config.skipNodes, reduceRange: rules.reduceRange.apply, threads: spec.threads,
            ...(config.embeddings ? { quantizeEmbeddings: true } : {}),
          });
          const ref = await storeModel(deps, quantized);
          const label = trialLabel(config);
          const result: PtqTrialResult = {
            model: ref, trialKey, label,
            calibration: { quantizedNodes: report.quantized.length, skippedNodes: report.skipped.map((k) => ({ name: k.node, reason: k.reason })), integerKernels: report.integerKernels, cpuPlacement: rules },
            trial: { model: ref, label, config },
          };
          await deps.store.record(trialKey, result);
          return result;
        }
        const feed = await feedFor(model, spec, { data: input.calib, batchSize: config.batchSize });
        // As many samples as the trial asks for, in batches the graph accepts.
        const batchSize = batchSizeFor(graphInputs(model), config.batchSize);
        const batches = feedBatches(input.calib, feed.inputs, { batchSize, limit: config.batchSize * config.batchNum, where: 'Global.calibration_data' });
        const calib = (async function* () {
          let i = 0;
          for await (const b of batches) {
            beat({ stage: 'calibration', batch: i++ });
            yield b.inputs;
          }
        })();
        // AdaRound learns for minutes after calibration: its progress is the heartbeat then.
        const options = {
          ...quantizeOptionsFor(config, feed.threads),
          ...(batchSize !== config.batchSize ? { batchNum: Math.ceil((config.batchSize * config.batchNum) / batchSize) } : {}),
          onProgress: (p: { stage: string; done: number; total: number }) => beat(p),
        };
        const { model: quantized, report } = await quantizeModel(model, calib, options);
        const ref = await storeModel(deps, quantized);
        const label = trialLabel(config);
        const result: PtqTrialResult = {
          model: ref,
          trialKey,
          label,
          calibration: { quantizedNodes: report.quantizedNodes.length, skippedNodes: report.skippedNodes, integerKernels: report.integerKernels, cpuPlacement: report.cpuPlacement },
          trial: { model: ref, label, config },
        };
        await deps.store.record(trialKey, result);
        return result;
      });
    },
  };
}
