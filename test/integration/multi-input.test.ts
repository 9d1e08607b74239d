// autoCompress on a two-input int64 encoder: Global.inputs and Global.output from the config, npz
// calibration data and a folder of per-input .npy for evaluation, the embedding metric deciding.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../core/data';
import { encodeModel } from '../../core/onnx/model-io';
import type { JobReport } from '../../core/report/report';
import { encoder, SEQ, tokens, writeNpz } from '../fixtures/encoder';
import { activityLog, Harness, startHarness, tmpDir } from './harness';

describe('autoCompress on a two-input int64 encoder', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness('multi-input'); });
  afterAll(async () => { await h?.stop(); });

  it('binds every graph input, scores the configured output with the embedding metric and reports every batch shape', async () => {
    const dir = tmpDir('multi-input');
    const model = path.join(dir, 'encoder.onnx');
    fs.writeFileSync(model, encodeModel(encoder()));
    writeNpz(path.join(dir, 'calib.npz'), tokens(16, 3));
    fs.mkdirSync(path.join(dir, 'eval'));
    for (const [name, t] of Object.entries(tokens(16, 5))) fs.writeFileSync(path.join(dir, 'eval', `${name}.npy`), writeNpy(t));
    const out = path.join(dir, 'out');
    const config = {
      Global: {
        model,
        inputs: { input_ids: { shape: [4, SEQ] }, attention_mask: { shape: [4, SEQ] } },
        output: 'sentence_embedding',
        task: 'embedding',
        calibration_data: { kind: 'npz', files: [path.join(dir, 'calib.npz')] },
        eval_data: { kind: 'npy', dir: path.join(dir, 'eval') },
        deploy: { threads: 1, max_accuracy_drop: 5 },
        output_dir: out,
      },
      QuantPost: { algo: 'abs_max', batch_size: 4, batch_num: 4 },
    };
    const handle = await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId: `multi-input-${h.taskQueue}`, args: [{ config }] });
    const report = (await handle.result()) as JobReport;

    expect(report.inputShapes).toEqual({ input_ids: [4, SEQ], attention_mask: [4, SEQ] });
    expect(report.inputShape).toEqual([4, SEQ]);
    // The embedding metric against the teacher decides (the data has no labels).
    expect(report.baseline.accuracy).toBeNull();
    const candidates = report.candidates as (typeof report.candidates[number] & { score?: number; metric?: string })[];
    expect(candidates.length).toBeGreaterThan(0);
    for (const c of candidates) {
      expect(c.metric).toMatch(/cosine/);
      expect(c.score).toBeGreaterThan(90);
    }
    expect(fs.existsSync(path.join(out, 'model.onnx'))).toBe(true);
    for (const a of await activityLog(handle)) expect([a.id, a.completed, a.failed]).toEqual([a.id, 1, 0]);
  });
});
