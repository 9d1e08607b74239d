import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../core/report/html';
import { buildReport, formatReport } from '../../../core/report/report';

const ref = (sha256: string) => ({ uri: `store://${sha256}`, sha256, bytes: 1, kind: 'model' }) as never;
const cand = (label: string, accuracy: number, latencyMs: number) => ({ label, model: ref(label), accuracy, agreement: accuracy, cosine: 99, latencyMs, sizeBytes: 300_000 });

const args = {
  model: '/m.onnx', task: 'ocr-rec', threads: 1, inputShape: [4, 3, 48, 320],
  baseline: cand('fp32', 100, 120), best: cand('fp32 rewritten', 100, 80), bestPath: '/out/model.onnx',
  candidates: [cand('int8', 97, 60)], skipped: [], maxAccuracyDrop: 1, targetSpeedup: 0,
};

describe('the trained student in the job report', () => {
  it('carries its figures against FP32, whether it is within tolerance, and where it was written', () => {
    const r = buildReport({ ...args, trained: { ...cand('qat', 99.5, 60), modelPath: '/out/trained.onnx' } });
    expect(r.trained).toMatchObject({ label: 'qat', modelPath: '/out/trained.onnx', accuracyDrop: 0.5, withinTolerance: true });
    expect(r.trained!.speedup).toBeCloseTo(2, 12);
    expect(buildReport({ ...args, trained: { ...cand('qat', 98, 60), modelPath: '/t.onnx' } }).trained!.withinTolerance).toBe(false);
    expect(formatReport(r)).toMatch(/trained \(qat\): accuracy 99\.50.*within tolerance.*\/out\/trained\.onnx/);
    expect(renderReportHtml(r)).toContain('trained: qat');
    // Without training (skipped, or no training section) the report has no such entry.
    expect(buildReport({ ...args, trained: null }).trained).toBeUndefined();
    expect(formatReport(buildReport(args))).not.toMatch(/trained/);
  });

  it('reports the contest for model.onnx with the speedups of its own side-by-side timing', () => {
    const trained = { ...cand('qat', 99.5, 70), modelPath: '/out/trained.onnx' };
    // Retimed together: FP32 130 ms, the PTQ pick 85 ms, the student 65 ms; the student was chosen.
    const final = { baseline: cand('fp32', 100, 130), ptqPick: cand('fp32 rewritten', 100, 85), trained: cand('qat', 99.5, 65), best: cand('qat', 99.5, 65), bestPath: '/out/model.onnx' };
    const r = buildReport({ ...args, trained, final });
    expect(r.best).toMatchObject({ label: 'qat', modelPath: '/out/model.onnx', latencyMs: 65 });
    expect(r.speedup).toBeCloseTo(2, 12);
    expect(r.accuracyDrop).toBeCloseTo(0.5, 12);
    expect(r.trained).toMatchObject({ timedWith: 'side by side', latencyMs: 65, modelPath: '/out/trained.onnx', withinTolerance: true });
    expect(r.final).toEqual({ baselineMs: 130, ptqPick: final.ptqPick, chose: 'trained' });
    expect(formatReport(r)).toMatch(/timed side by side with FP32 at 130\.00 ms: 85\.00 vs 65\.00 ms; chosen: the trained student/);
    expect(formatReport(r)).toMatch(/trained \(qat\) \*: accuracy/);
    expect(renderReportHtml(r)).toContain('PTQ pick: fp32 rewritten');
    // The PTQ pick kept: it keeps the first timing's figures (those of the table); the student's speedup is still the contest's.
    const kept = buildReport({ ...args, trained, final: { ...final, best: final.ptqPick } });
    expect(kept.final!.chose).toBe('ptq');
    expect(kept.best).toMatchObject({ label: 'fp32 rewritten', latencyMs: 80, modelPath: '/out/model.onnx' });
    expect(kept.speedup).toBeCloseTo(120 / 80, 12);
    expect(kept.trained!.speedup).toBeCloseTo(2, 12);
    expect(formatReport(kept)).toMatch(/chosen: the PTQ pick/);
  });
});
