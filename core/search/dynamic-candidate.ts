// Rule 7 of the automatic mode: a transformer also gets a dynamic-quantization candidate (int8
// weights, activations quantized at run time, no calibration) beside its static PTQ trials. On
// BERT-class encoders on CPUs it is the peers' fastest (attention's activation ranges vary with the
// input, which a fixed calibrated range fits worst); it is validated, timed side by side and chosen
// by the same rule as every other candidate.
import { baseTrial, type PtqTrialConfig } from '../config/compile';
import type { JobConfig } from '../config/schema';

const ref = (expr: string) => `\${{ ${expr} }}`;

/** The steps of a compiled pipeline with the dynamic candidate added to what the side-by-side timing compares. */
export function withDynamicCandidate(steps: Record<string, unknown>, config: JobConfig, evalInput: string): Record<string, unknown> {
  const timing = steps.timing as { with: Record<string, unknown> } | undefined;
  if (!timing) return steps;
  const trial: PtqTrialConfig = { ...baseTrial(config), scheme: 'dynamic' };
  return {
    ...steps,
    dynamic: { stage: 'ptqTrial', with: { model: ref('inputs.model'), calib: ref('inputs.calib'), ptq: trial, input: ref('inputs.input') } },
    dynamicCheck: {
      stage: 'validateCandidate',
      with: {
        model: ref('steps.dynamic.model'), teacher: ref('steps.teacher.teacher'), eval: ref(evalInput),
        label: ref('steps.dynamic.label'), config: ref('steps.dynamic.trial.config'), input: ref('inputs.input'),
      },
    },
    withDynamic: { stage: 'joinCandidates', with: { first: timing.with.candidates, second: [ref('steps.dynamicCheck.candidate')] } },
    timing: { ...timing, with: { ...timing.with, candidates: ref('steps.withDynamic.all') } },
  };
}
