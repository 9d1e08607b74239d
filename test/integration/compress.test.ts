// The default kind of job end to end on a real dev server: real model, real data, real activities.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as yaml from 'js-yaml';
import type { JobReport } from '../../core/report/report';
import { countKernels } from '../../core/runtime/kernels';
import { LocalArtifactStore, sha256 } from '../../core/artifacts/store';
import { resolveTemporalBin } from '../../workers/temporal-cli';
import { SlimflowSearchAttributes } from '../../workers/search-attributes';
import { activityLog, clsJob, Harness, startHarness, tmpDir } from './harness';
import { testTemporal } from './setup/server';
import { ppocrModel, CLS_MODEL } from '../fixtures/models';
import { PLACEMENTS } from '../../core/config/placements';

const run = promisify(execFile);

describe('autoCompress on the PP-OCR classifier', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness('compress'); });
  afterAll(async () => { await h?.stop(); });

  it('quantizes to INT8 with integer kernels, keeps accuracy, and writes the model and report', async () => {
    const out = tmpDir('compress-out');
    const handle = await h.client.workflow.start('autoCompress', {
      taskQueue: h.taskQueue, workflowId: `compress-${h.taskQueue}`, args: [{ config: clsJob(out) }],
    });
    const report = (await handle.result()) as JobReport;

    expect(report.baseline.accuracy).toBeGreaterThan(90);
    expect(report.baseline.agreement).toBe(100);
    // Every Q/DQ placement was built, validated and timed side by side with the FP32 rewrite.
    expect(report.candidates.map((c) => c.label).sort()).toEqual(PLACEMENTS.map((p) => `int8 abs_max per-channel ${p}`).sort());
    expect(report.rewritten?.agreement).toBe(100);
    const int8 = report.int8!;
    expect(int8.agreement).toBeGreaterThanOrEqual(99);
    expect(report.baseline.accuracy! - int8.accuracy!).toBeLessThanOrEqual(1);
    expect(int8.sizeBytes).toBeLessThan(report.baseline.sizeBytes * 0.6);
    expect(report.int8Speedup).toBeCloseTo(report.baseline.latencyMs / int8.latencyMs, 6);
    // The chosen model is the fastest of those within tolerance, by the figures in the report, or one
    // within the measured noise of the fastest that the near-tie rule put first (its record says so).
    const eligible = [report.rewritten!, ...report.candidates].filter((c) => report.baseline.accuracy! - c.accuracy! <= 1);
    const fastest = eligible.reduce((a, c) => (c.latencyMs < a.latencyMs ? c : a));
    const tie = report.best.selection;
    if (tie?.decided) {
      expect(tie.fastest).toBe(fastest.label);
      expect(tie.contenders[0]).toBe(report.best.label);
      expect(tie.contenders).toContain(fastest.label);
    } else {
      expect(report.best.latencyMs).toBe(fastest.latencyMs);
    }
    expect(report.skipped.length).toBeGreaterThan(0);

    // The published file is the chosen model; onnxruntime runs the INT8 model's convolutions as integer kernels.
    expect(report.best.modelPath).toBe(path.join(out, 'model.onnx'));
    expect(sha256(fs.readFileSync(report.best.modelPath))).toBe(report.best.model.sha256);
    const kernels = await countKernels(await new LocalArtifactStore(h.storeDir).read(int8.model));
    expect(kernels.QLinearConv ?? 0).toBeGreaterThan(20);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).best.modelPath).toBe(report.best.modelPath);

    // Visible to `temporal workflow list` through search attributes.
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.model)).toBe('ch_ppocr_mobile_v2.0_cls_infer');
    expect(desc.typedSearchAttributes.get(SlimflowSearchAttributes.status)).toMatch(/^done/);

    // Every activity ran to completion exactly once.
    for (const a of await activityLog(handle)) expect([a.id, a.completed, a.failed]).toEqual([a.id, 1, 0]);
  });

  it('starts from the plain temporal CLI with --input-file', async () => {
    const { address, namespace } = testTemporal();
    const dir = tmpDir('cli-job');
    const configPath = path.join(dir, 'job.yaml');
    fs.writeFileSync(configPath, yaml.dump(clsJob(path.join(dir, 'out'), { eval_data: { kind: 'rendered-textlines', task: 'cls', count: 64, seed: 5 } })));
    const jobFile = path.join(dir, 'job.json');
    fs.writeFileSync(jobFile, JSON.stringify({ configPath }));
    const workflowId = `cli-${h.taskQueue}`;
    await run(resolveTemporalBin(), [
      'workflow', 'start', '--address', address, '--namespace', namespace, '--task-queue', h.taskQueue,
      '--type', 'autoCompress', '--workflow-id', workflowId, '--input-file', jobFile,
    ]);
    const report = (await h.client.workflow.getHandle(workflowId).result()) as JobReport;
    expect(report.best.modelPath).toBe(path.join(dir, 'out', 'model.onnx'));
    expect(fs.existsSync(report.best.modelPath)).toBe(true);
    expect(report.baseline.latencyMs).toBeGreaterThan(0);
  });

  it('runs a hand-written pipeline with a fan-out and a condition', async () => {
    const pipeline = {
      name: 'grid-with-fallback',
      inputs: { model: 'model', calib: 'dataset', eval: 'dataset', tolerance: { type: 'number', default: 1 } },
      steps: {
        teacher: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } },
        baseline: { stage: 'validateCandidate', with: { model: '${{ inputs.model }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}', label: 'fp32' } },
        ptq: {
          stage: 'ptqTrial',
          forEach: { matrix: { calibrator: ['abs_max'], perChannel: [true, false], batchNum: [2] } },
          with: { model: '${{ inputs.model }}', calib: '${{ inputs.calib }}', ptq: '${{ item }}' },
        },
        check: {
          stage: 'validateCandidate',
          forEach: { items: '${{ steps.ptq.trial }}' },
          with: { model: '${{ item.model }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}', label: '${{ item.label }}' },
        },
        best: { stage: 'selectBest', with: { candidates: '${{ steps.check.candidate }}', baseline: '${{ steps.baseline.candidate }}', tolerance: '${{ inputs.tolerance }}' } },
        // Only when the best INT8 model lost too much: measure how slow the float fallback would be.
        // Data stages read the batch shape off the data; a latency estimate is told it.
        fallback: { stage: 'estimateLatency', when: '${{ steps.best.accuracyDrop > inputs.tolerance }}', with: { model: '${{ inputs.model }}', input: { inputs: { x: [8, 3, 48, 192] } } } },
        latency: { stage: 'estimateLatency', when: '${{ steps.best.accuracyDrop <= inputs.tolerance }}', with: { model: '${{ steps.best.model }}', input: { inputs: { x: [8, 3, 48, 192] } } } },
      },
      outputs: { best: '${{ steps.best.best.label }}', drop: '${{ steps.best.accuracyDrop }}', latencyMs: '${{ steps.latency.latencyMs }}' },
    };
    const handle = await h.client.workflow.start('runPipeline', {
      taskQueue: h.taskQueue, workflowId: `pipeline-${h.taskQueue}`,
      args: [{
        pipeline,
        inputs: {
          model: ppocrModel(CLS_MODEL),
          calib: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 3 },
          eval: { kind: 'rendered-textlines', task: 'cls', count: 64, seed: 4 },
        },
      }],
    });
    const result = (await handle.result()) as { outputs: Record<string, unknown>; steps: Record<string, { status: string; result?: Record<string, unknown[]>; reason?: string }> };
    expect(result.steps.ptq.status).toBe('succeeded');
    expect(result.steps.ptq.result!.model).toHaveLength(2);
    expect(result.steps.check.result!.candidate).toHaveLength(2);
    expect(new Set((result.steps.check.result!.candidate as Array<{ label: string }>).map((c) => c.label))).toEqual(
      new Set(['int8 abs_max per-channel', 'int8 abs_max per-tensor']),
    );
    // Exactly one of the two conditional steps ran; the other was skipped with its condition as the reason.
    const ran = ['fallback', 'latency'].filter((s) => result.steps[s].status === 'succeeded');
    const skipped = ['fallback', 'latency'].filter((s) => result.steps[s].status === 'skipped');
    expect(ran).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(result.steps[skipped[0]].reason).toMatch(/when is false/);
    const drop = result.outputs.drop as number;
    expect(ran[0]).toBe(drop > 1 ? 'fallback' : 'latency');
  });
});
