// One definition per stage: the catalog entry (core/pipeline/catalog.ts) names the stage's ports,
// kind and timeout preset, and its zod schemas are what the activities' interface is derived from
// (workflows/stage-activities.ts; activities/index.ts checks the implementations against it when it
// compiles). Here: the worker implements exactly the catalog's activity stages, the timeouts come
// from the catalog, and real activity inputs and results pass their entry's schemas (bad ones do not).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { LocalArtifactStore } from '../../core/artifacts/store';
import { encodeModel } from '../../core/onnx/model-io';
import { STAGES } from '../../core/pipeline';
import { STAGE_TIMEOUTS } from '../../workflows/stage-activities';
import { TIMEOUT_PRESETS } from '../../workflows/timeouts';
import { encoder, SEQ, tokens, writeNpz } from '../fixtures/encoder';

// Activities that are no pipeline stage: the jobs' own steps (config, pipeline check, plan, report) and the fleet's.
const JOB_ACTIVITIES = ['prepareJob', 'checkPipelineInput', 'writeReport', 'planCompression'];
const FLEET_ACTIVITY = /fleet/i;

const activityStages = Object.entries(STAGES).filter(([, s]) => s.kind === 'activity').map(([n]) => n).sort();

describe('the stage catalog is the one definition of each stage', () => {
  let dir: string;
  let acts: ReturnType<typeof createActivities>;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-catalog-'));
    acts = createActivities({ store: new LocalArtifactStore(path.join(dir, 'store')), threads: 1 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every catalog activity stage has an implementation, and every implementation is a stage or a job/fleet activity', () => {
    const implemented = Object.keys(acts);
    expect(activityStages.filter((s) => !implemented.includes(s))).toEqual([]);
    const other = implemented.filter((a) => !Object.hasOwn(STAGES, a));
    expect(other.filter((a) => !JOB_ACTIVITIES.includes(a) && !FLEET_ACTIVITY.test(a))).toEqual([]);
    // Workflow and builtin stages are no activities.
    for (const [name, s] of Object.entries(STAGES)) if (s.kind !== 'activity') expect(implemented, name).not.toContain(name);
  });

  it('timeouts come from the catalog: each activity stage has a preset that exists', () => {
    expect(Object.keys(STAGE_TIMEOUTS).sort()).toEqual(activityStages);
    for (const name of activityStages) {
      expect(STAGES[name].timeout, name).toBeDefined();
      expect(STAGE_TIMEOUTS[name as keyof typeof STAGE_TIMEOUTS]).toBe(STAGES[name].timeout);
      expect(Object.keys(TIMEOUT_PRESETS)).toContain(STAGES[name].timeout);
    }
  });

  it('real inputs and results of a chain of activities pass their entry\'s schemas', async () => {
    const modelPath = path.join(dir, 'encoder.onnx');
    fs.writeFileSync(modelPath, encodeModel(encoder()));
    writeNpz(path.join(dir, 'calib.npz'), tokens(8, 3));
    const calib = { kind: 'npz', files: [path.join(dir, 'calib.npz')] };
    const input = { inputs: { input_ids: [4, SEQ], attention_mask: [4, SEQ] }, output: 'sentence_embedding', threads: 1, task: 'embedding' };
    // Each call's input is parsed by its schema before it runs, and its result after.
    const call = async <K extends keyof typeof acts & string>(stage: K, arg: Parameters<(typeof acts)[K]>[0]) => {
      expect(STAGES[stage].input.safeParse(arg).error, `${stage} input`).toBeUndefined();
      const out = await (acts[stage] as (a: unknown) => Promise<unknown>)(arg);
      expect(STAGES[stage].output.safeParse(out).error, `${stage} output`).toBeUndefined();
      return out as Awaited<ReturnType<(typeof acts)[K]>>;
    };
    const { model } = await call('importModel', { path: modelPath });
    await call('analyzeGraph', { model });
    const { teacher } = await call('cloneTeacher', { model });
    const trial = await call('ptqTrial', { model, calib, ptq: { calibrator: 'abs_max', batchSize: 4, batchNum: 2 }, input });
    const v = await call('validateCandidate', { model: trial.model, teacher, eval: calib, label: trial.label, input });
    expect(v.accuracy).toBeNull(); // unlabeled: the nullable output port, as the schema allows
    await call('measureSensitivity', { model, quantized: trial.model, calib, input, batches: 1 });
    const outDir = path.join(dir, 'out');
    const { path: written } = await call('publishModel', { model: trial.model, outputDir: outDir, file: 'int8.onnx' });
    expect(written).toBe(path.join(outDir, 'int8.onnx'));

    // And the schemas have teeth: a wrong port type, a missing port and a malformed candidate are refused.
    expect(STAGES.publishModel.input.safeParse({ model, outputDir: outDir, file: 3 }).success).toBe(false);
    expect(STAGES.importModel.input.safeParse({}).success).toBe(false);
    const { model: _dropped, ...noModel } = v.candidate;
    expect(STAGES.validateCandidate.output.safeParse({ ...v, candidate: noModel }).success).toBe(false);
    expect(STAGES.trainEpoch.input.safeParse({ model, teacher, train: calib, state: null }).success).toBe(true);
    expect(STAGES.trainEpoch.input.safeParse({ model, teacher, train: calib, state: 'checkpoint' }).success).toBe(false);
  }, 120_000);
});
