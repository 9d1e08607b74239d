// Small stand-ins for the stage activities, for engine tests: they return fake refs and record
// when each activity instance started and ended, so tests can check what ran concurrently.
// The engine and Temporal are real; only the work inside each stage is faked.
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ArtifactRef, Candidate } from '../../core/pipeline';
import type { StageActivities } from '../../workflows/stage-activities';
import { createJobActivities } from '../../activities/job-activities';

export interface CallRecord {
  workflowId: string;
  key: string;
  stage: string;
  input: unknown;
  start: number;
  end?: number;
}

export const fakeRef = (name: string): ArtifactRef => ({ uri: `file:///fake/${name}.onnx`, sha256: name, bytes: name.length, kind: 'model' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Accuracy the fake validator reports for a model, keyed by the model's sha256. */
const ACCURACY: Record<string, number> = { src: 90, 'q-abs_max': 89.5, 'q-avg': 80, 'q-percentile': 89.3 };
const LATENCY: Record<string, number> = { src: 10, 'q-abs_max': 4, 'q-avg': 2, 'q-percentile': 3 };

/** Fixture activities plus the log of their calls and gates a test can hold shut. */
export function createFixtureActivities(delayMs = 400) {
  const calls: CallRecord[] = [];
  const gates = new Map<string, { opened: Promise<void>; open: () => void }>();
  const gate = (label: string) => {
    let open!: () => void;
    const opened = new Promise<void>((r) => { open = r; });
    gates.set(label, { opened, open });
    return open;
  };
  const track = async <T>(stage: string, input: unknown, body: () => Promise<T> | T): Promise<T> => {
    const info = activityInfo();
    const rec: CallRecord = { workflowId: info.workflowExecution?.workflowId ?? '', key: info.activityId, stage, input, start: Date.now() };
    calls.push(rec);
    try {
      await sleep(delayMs);
      return await body();
    } finally {
      rec.end = Date.now();
    }
  };

  const activities: StageActivities = {
    importModel: (input) => track('importModel', input, () => ({ model: fakeRef(input.path.includes('src') ? 'src' : input.path) })),
    analyzeGraph: (input) => track('analyzeGraph', input, () => ({ analysis: { family: 'cnn', layers: [] } as never })),
    cloneTeacher: (input) => track('cloneTeacher', input, () => ({ teacher: fakeRef(`teacher-${input.model.sha256}`) })),
    compareLatency: (input) => track('compareLatency', input, () => ({ baseline: input.baseline, reference: input.reference ?? null, candidates: input.candidates, all: [...(input.reference ? [input.reference] : []), ...input.candidates] })),
    optimizeGraph: (input) => track('optimizeGraph', input, () => ({ model: fakeRef(`opt-${input.model.sha256}`) })),
    publishModel: (input) => track('publishModel', input, () => ({ path: `${input.outputDir}/model.onnx` })),
    ptqTrial: (input) => track('ptqTrial', input, () => {
      const calibrator = String(input.ptq?.calibrator);
      // Typed like a SlimflowError input error, which the timeout presets never retry.
      if (calibrator === 'boom') throw ApplicationFailure.create({ message: 'calibrator exploded', type: 'INVALID_DATA' });
      const model = fakeRef(`q-${calibrator}`);
      return { model, trialKey: `trial-${calibrator}`, label: `int8 ${calibrator}`, calibration: { calibrator }, trial: { model, label: `int8 ${calibrator}`, config: input.ptq } };
    }),
    measureSensitivity: (input) => track('measureSensitivity', input, () => ({ layers: [{ layer: 'conv1', tensor: 'c1', mse: 0.01, sqnr: 20 }] })),
    buildStrategyVariants: (input) => track('buildStrategyVariants', input, () => ({ variants: { int8: fakeRef(`v-int8-${input.model.sha256}`) } })),
    trainEpoch: (input) => track('trainEpoch', input, () => ({ model: fakeRef(`trained-${input.epoch ?? 0}`), state: fakeRef(`state-${input.epoch ?? 0}`), loss: 0.1, epoch: input.epoch ?? 0, steps: 1, resumedFromStep: 0 })),
    estimateLatency: (input) => track('estimateLatency', input, () => ({ latencyMs: LATENCY[input.model.sha256] ?? 7, latency: { totalMs: 7 } })),
    validateCandidate: (input) => track('validateCandidate', input, async () => {
      const held = gates.get(input.label ?? '');
      if (held) await held.opened;
      const id = input.model.sha256;
      const c: Candidate = {
        label: input.label ?? id, model: input.model, accuracy: ACCURACY[id] ?? 50, agreement: id === 'src' ? 100 : 98,
        cosine: 99, latencyMs: LATENCY[id] ?? 7, sizeBytes: id === 'src' ? 400 : 100,
      };
      return { candidate: c, accuracy: c.accuracy, agreement: c.agreement, latencyMs: c.latencyMs, sizeBytes: c.sizeBytes };
    }),
  };
  // runPipeline checks its pipeline in an activity (the real one: it is pure).
  return { activities: { ...activities, checkPipelineInput: createJobActivities({} as never).checkPipelineInput }, calls, gate };
}
